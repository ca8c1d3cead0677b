import {
  applyDecorators,
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  HttpStatus,
  Param,
  Post,
  Put,
  Query,
} from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import { ApiAdminRoute } from '../auth/auth-api-docs';
import { AuthenticatedUser } from '../auth/authenticated-user';
import { Client, ClientInfo } from '../auth/decorators/client-info.decorator';
import { CurrentUser } from '../auth/decorators/current-user.decorator';
import { Roles } from '../auth/decorators/roles.decorator';
import {
  ApiDatabaseErrors,
  ApiErrorResponse,
  ApiValidationErrors,
  ErrorResponseDto,
  errorExample,
} from '../common/http/error-response.dto';
import { UuidParam } from '../common/validation/uuid-param';
import { Role } from '../users/role.enum';
import { AdminUsersService } from './admin-users.service';
import {
  AdminUserDto,
  AdminUserPageDto,
  AdminUsersQueryDto,
  SetRolesDto,
} from './dto/admin-user.dto';

const USER_ID = ApiParam({ name: 'id', format: 'uuid', description: 'A user id' });

const NOT_FOUND = ApiNotFoundResponse({
  description: 'No such user',
  type: ErrorResponseDto,
  example: errorExample(404, 'Not Found', 'User not found'),
});

/** A route on one user: the uuid path parameter, its 400 and the 404 of an unknown id. */
const ApiUserRoute = () =>
  applyDecorators(
    USER_ID,
    NOT_FOUND,
    ApiErrorResponse(400, 'The id is not a UUID', {
      error: 'Bad Request',
      message: 'Validation failed (uuid is expected)',
    }),
  );

const LAST_ADMIN = ApiConflictResponse({
  description: 'last_admin: the change would leave no enabled admin',
  type: ErrorResponseDto,
  example: errorExample(409, 'Conflict', 'This would leave no enabled admin', 'last_admin'),
});

/**
 * User management for admins (../shared/API.md, "Administration and operations"). Every route
 * needs the admin role; every change is audited with the acting admin's id (actorId).
 */
@ApiTags('admin')
@ApiDatabaseErrors()
@ApiAdminRoute()
@Roles(Role.Admin)
@Controller('admin/users')
export class AdminUsersController {
  constructor(private readonly admin: AdminUsersService) {}

  @Get()
  @ApiOperation({
    summary: 'Users, newest first, optionally searched by email or name (admin only)',
  })
  @ApiOkResponse({ type: AdminUserPageDto })
  @ApiValidationErrors()
  list(@Query() query: AdminUsersQueryDto): Promise<AdminUserPageDto> {
    return this.admin.list(query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One user, as the list shows it (admin only)' })
  @ApiUserRoute()
  @ApiOkResponse({ type: AdminUserDto })
  get(@Param('id', UuidParam()) id: string): Promise<AdminUserDto> {
    return this.admin.get(id);
  }

  @Post(':id/disable')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    summary: 'Disable a user (admin only)',
    description:
      'Every session of the user is revoked at once, on every instance: their access tokens ' +
      'fail immediately. Their login then gives 403 account_disabled, after the password check. ' +
      'Disabling a disabled user changes nothing.',
  })
  @ApiUserRoute()
  @ApiNoContentResponse({ description: 'Disabled' })
  @LAST_ADMIN
  disable(
    @Param('id', UuidParam()) id: string,
    @CurrentUser() admin: AuthenticatedUser,
    @Client() client: ClientInfo,
  ): Promise<void> {
    return this.admin.disable(id, admin, client);
  }

  @Post(':id/enable')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'Enable a disabled user again (admin only)' })
  @ApiUserRoute()
  @ApiNoContentResponse({ description: 'Enabled' })
  enable(
    @Param('id', UuidParam()) id: string,
    @CurrentUser() admin: AuthenticatedUser,
    @Client() client: ClientInfo,
  ): Promise<void> {
    return this.admin.enable(id, admin, client);
  }

  @Put(':id/roles')
  @ApiOperation({
    summary: 'Replace the roles of a user (admin only)',
    description:
      'When the roles change, every session of the user is revoked, so that no token keeps an ' +
      'old role; the user logs in again.',
  })
  @ApiParam({ name: 'id', format: 'uuid', description: 'A user id' })
  @NOT_FOUND
  @ApiValidationErrors()
  @ApiOkResponse({ type: AdminUserDto })
  @LAST_ADMIN
  setRoles(
    @Param('id', UuidParam()) id: string,
    @Body() dto: SetRolesDto,
    @CurrentUser() admin: AuthenticatedUser,
    @Client() client: ClientInfo,
  ): Promise<AdminUserDto> {
    return this.admin.setRoles(id, dto.roles, admin, client);
  }

  @Post(':id/logout-all')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'Revoke every session of a user, on every instance (admin only)' })
  @ApiUserRoute()
  @ApiNoContentResponse({ description: 'Every session revoked' })
  logoutAll(
    @Param('id', UuidParam()) id: string,
    @CurrentUser() admin: AuthenticatedUser,
    @Client() client: ClientInfo,
  ): Promise<void> {
    return this.admin.logoutAll(id, admin, client);
  }

  @Delete(':id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    summary: 'Delete a user (admin only)',
    description: 'Every session is revoked at once, on every instance; audit events are kept.',
  })
  @ApiUserRoute()
  @ApiNoContentResponse({ description: 'Deleted' })
  @LAST_ADMIN
  delete(
    @Param('id', UuidParam()) id: string,
    @CurrentUser() admin: AuthenticatedUser,
    @Client() client: ClientInfo,
  ): Promise<void> {
    return this.admin.delete(id, admin, client);
  }
}
