import { ApiProperty } from '@nestjs/swagger';

export class RecoveryCodesDto {
  @ApiProperty({
    type: String,
    isArray: true,
    minItems: 10,
    maxItems: 10,
    example: [
      'k7qm-2xfa-ve4n-p3dz',
      'b6wt-r2hs-mq5k-yc7e',
      'x3na-fz6p-d2vu-q7km',
      'h4ce-t5wy-n2rb-z6qa',
      'p7dk-m3sx-e5fv-w2hn',
      'u2ga-y6qt-k4mc-r7xd',
      'f5ze-c3nw-t7hp-a2vq',
      'w6rm-q2kd-x5ya-e3ft',
      'n3vb-h7ue-z4qs-m6pc',
      'd2yx-a5tk-w3re-v7nh',
    ],
    description:
      'Ten single-use codes for when the authenticator is lost. Shown this once; the server keeps only hashes.',
  })
  recoveryCodes: string[];
}
