import { ApiProperty } from '@nestjs/swagger';

export class OutboxMessageDto {
  @ApiProperty({ example: '1796200000000-3f2a9c1e', description: 'Also the name of the .eml file' })
  id: string;

  @ApiProperty({ example: 'ada@example.com' })
  to: string;

  @ApiProperty({ example: 'Reset your password' })
  subject: string;

  @ApiProperty({ description: 'The plain-text body' })
  text: string;

  @ApiProperty({
    type: [String],
    example: ['http://localhost:3000/#reset?token=…'],
    description: 'The links in the mail',
  })
  links: string[];

  @ApiProperty({ format: 'date-time' })
  createdAt: string;
}
