import { Body, Controller, Get, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiAdminRoute, ApiBearerRoute } from '../auth/auth-api-docs';
import { Roles } from '../auth/decorators/roles.decorator';
import { ApiDatabaseErrors, ApiValidationErrors } from '../common/http/error-response.dto';
import { PaginationQueryDto } from '../common/pagination/pagination-query.dto';
import { Role } from '../users/role.enum';
import { CreateProductDto } from './dto/create-product.dto';
import { ProductDto, ProductPageDto } from './dto/product.dto';
import { ProductsService } from './products.service';

@ApiTags('products')
@ApiDatabaseErrors()
@Controller('products')
export class ProductsController {
  constructor(private readonly products: ProductsService) {}

  @Get()
  @ApiBearerRoute()
  @ApiOperation({ summary: 'List products (any signed-in user)' })
  @ApiOkResponse({ type: ProductPageDto })
  @ApiValidationErrors()
  list(@Query() query: PaginationQueryDto): Promise<ProductPageDto> {
    return this.products.list(query);
  }

  @Post()
  @Roles(Role.Admin)
  @ApiAdminRoute()
  @ApiOperation({ summary: 'Create a product (admin only)' })
  @ApiCreatedResponse({ type: ProductDto })
  @ApiValidationErrors()
  create(@Body() dto: CreateProductDto): Promise<ProductDto> {
    return this.products.create(dto);
  }
}
