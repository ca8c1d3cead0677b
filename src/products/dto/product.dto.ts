import { ApiProperty } from '@nestjs/swagger';
import { PageDto } from '../../common/pagination/page.dto';
import { Product } from '../product.entity';

export class ProductDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ example: 'Walnut desk organiser' })
  name: string;

  @ApiProperty({ type: String, nullable: true })
  description: string | null;

  @ApiProperty({ example: '19.99', description: 'Decimal string with two places' })
  price: string;

  @ApiProperty({ format: 'date-time' })
  createdAt: string;

  static from(product: Product): ProductDto {
    return {
      id: product.id,
      name: product.name,
      description: product.description,
      price: product.price,
      createdAt: product.createdAt.toISOString(),
    };
  }
}

export class ProductPageDto extends PageDto(ProductDto) {}
