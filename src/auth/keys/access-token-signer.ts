import { createHmac, sign as signData } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { authConfig } from '../../config/auth.config';
import { toLowS } from './ecdsa-signature';

export interface AccessTokenSignOptions {
  subject: string;
  jwtid: string;
  /** Seconds from now. */
  expiresIn: number;
}

/**
 * Signs access tokens as compact JWS with node:crypto, for every JWT_ALGORITHM: HS256 (HMAC with
 * the secret KeyObject), EdDSA (Ed25519) and ES256 (P-256, r||s as JWS wants it, low s). The key
 * is a KeyObject built once at boot. jsonwebtoken, which signed before, has no EdDSA; its call
 * shape (`sign(claims, { subject, jwtid, expiresIn })`) and its output are kept: header
 * `{alg, typ, kid}`, claims followed by iat, exp, aud, iss, sub, jti.
 */
@Injectable()
export class AccessTokenSigner {
  private readonly header: string;

  constructor(@Inject(authConfig.KEY) private readonly config: ConfigType<typeof authConfig>) {
    this.header = encode({ alg: config.algorithm, typ: 'JWT', kid: config.signingKey.kid });
  }

  sign(claims: Record<string, unknown>, options: AccessTokenSignOptions): string {
    const iat = Math.floor(Date.now() / 1000);
    const payload = encode({
      ...claims,
      iat,
      exp: iat + options.expiresIn,
      aud: this.config.audience,
      iss: this.config.issuer,
      sub: options.subject,
      jti: options.jwtid,
    });
    const input = `${this.header}.${payload}`;
    return `${input}.${this.signature(input).toString('base64url')}`;
  }

  private signature(input: string): Buffer {
    const key = this.config.signingKey.key;
    switch (this.config.algorithm) {
      case 'HS256':
        return createHmac('sha256', key).update(input).digest();
      case 'EdDSA':
        return signData(null, Buffer.from(input), key);
      case 'ES256':
        return toLowS(signData('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' }));
    }
  }
}

function encode(value: object): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}
