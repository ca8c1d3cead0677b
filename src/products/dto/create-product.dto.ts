import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsNotEmpty, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { Trim } from '../../common/validation/trim.decorator';

export class CreateProductDto {
  @ApiProperty({ example: 'Walnut desk organiser', maxLength: 200 })
  @Trim()
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name: string;

  @ApiPropertyOptional({ maxLength: 2000 })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  description?: string;

  @ApiProperty({
    type: String,
    example: '19.99',
    description:
      'Non-negative, at most two decimal places. (A JSON number with an exact two-place decimal form ' +
      'is accepted too; the string is what a client should send.)',
  })
  // A JSON number is accepted too, but only if it has an exact two-place decimal form.
  @Transform(({ value }: { value: unknown }) => (typeof value === 'number' ? String(value) : value))
  @IsString({ message: 'price must be a decimal number such as 19.99' })
  @Matches(/^\d{1,10}(\.\d{1,2})?$/, { message: 'price must be a decimal number such as 19.99' })
  @MaxLength(13)
  price: string;
}
