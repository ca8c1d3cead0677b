import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiAdminRoute } from '../auth/auth-api-docs';
import { Roles } from '../auth/decorators/roles.decorator';
import { ApiDatabaseErrors, ApiValidationErrors } from '../common/http/error-response.dto';
import { Role } from '../users/role.enum';
import { AuditService } from './audit.service';
import { AuditEventPageDto, AuditEventsQueryDto } from './dto/audit-event.dto';

@ApiTags('admin')
@ApiDatabaseErrors()
@Controller('admin/audit-events')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @Roles(Role.Admin)
  @ApiAdminRoute()
  @ApiOperation({ summary: 'Auth events, newest first (admin only)' })
  @ApiOkResponse({ type: AuditEventPageDto })
  @ApiValidationErrors()
  list(@Query() query: AuditEventsQueryDto): Promise<AuditEventPageDto> {
    return this.audit.list(query);
  }
}
