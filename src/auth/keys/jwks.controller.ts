import { Controller, Get, Header, Inject } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { authConfig } from '../../config/auth.config';
import { Public } from '../decorators/public.decorator';
import { JsonWebKeySetDto } from './dto/jwks.dto';
import { buildJwks } from './jwks';

/**
 * Other services verify access tokens with these public keys, without being able to mint one
 * (../shared/API.md, "Tokens other services can verify"). The set only changes with a restart,
 * so it is built once; five minutes of caching lets a new key reach every verifier well within
 * the rotation runbook's first step (README, "Rotating the signing key").
 */
@ApiTags('auth')
@Public()
@Controller('.well-known')
export class JwksController {
  private readonly keySet: JsonWebKeySetDto;

  constructor(@Inject(authConfig.KEY) config: ConfigType<typeof authConfig>) {
    this.keySet = buildJwks(config);
  }

  @Get('jwks.json')
  @Header('Cache-Control', 'public, max-age=300')
  @ApiOperation({
    summary: 'Public keys that verify access tokens (JWKS)',
    description:
      'The current, previous and next signing keys of JWT_ALGORITHM=EdDSA or ES256, each named by ' +
      'its RFC 7638 thumbprint (the kid in the token header). Empty with HS256.',
  })
  @ApiOkResponse({
    type: JsonWebKeySetDto,
    headers: {
      'Cache-Control': { description: 'public, max-age=300', schema: { type: 'string' } },
    },
  })
  jwks(): JsonWebKeySetDto {
    return this.keySet;
  }
}
