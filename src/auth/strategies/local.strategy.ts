import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { Strategy } from 'passport-local';
import { User } from '../../users/user.entity';
import { AuthService } from '../auth.service';
import { clientInfo } from '../decorators/client-info.decorator';
import { LoginDto } from '../dto/login.dto';

@Injectable()
export class LocalStrategy extends PassportStrategy(Strategy, 'local') {
  constructor(private readonly auth: AuthService) {
    super({ usernameField: 'email', passwordField: 'password', passReqToCallback: true });
  }

  /**
   * passport-local takes a field from the query string when the body's is empty, so the values it
   * passes here are ignored: the credentials are the body's, as LocalAuthGuard validated them
   * (../shared/API.md: credentials never come from a URL).
   */
  validate(request: FastifyRequest): Promise<User> {
    const { email, password } = request.body as LoginDto;
    return this.auth.validateCredentials(email, password, clientInfo(request));
  }
}
