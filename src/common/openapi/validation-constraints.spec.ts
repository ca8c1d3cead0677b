import 'reflect-metadata';
import { ApiProperty, ApiPropertyOptional, DECORATORS } from '@nestjs/swagger';
import {
  IsEmail,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
} from 'class-validator';
import { MaxBytes } from '../validation/max-bytes.decorator';
import {
  documentValidationConstraints,
  validatedClasses,
  validatedSchemaNames,
} from './validation-constraints';

class ExampleRequestDto {
  @ApiProperty({ description: 'kept as written' })
  @IsEmail()
  @MaxLength(320)
  email: string;

  @ApiProperty()
  @IsString()
  @MinLength(8)
  @MaxBytes(72)
  password: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;

  @ApiProperty()
  @IsUUID()
  id: string;

  @ApiProperty()
  @IsNotEmpty()
  @Matches(/^\d+$/)
  digits: string;

  @ApiPropertyOptional()
  @IsIn(['cookie'])
  mode?: string;
}

const swaggerOf = (property: keyof ExampleRequestDto) =>
  Reflect.getMetadata(
    DECORATORS.API_MODEL_PROPERTIES,
    ExampleRequestDto.prototype,
    property,
  ) as Record<string, unknown>;

describe('documentValidationConstraints', () => {
  beforeAll(() => documentValidationConstraints());

  it('should find the request DTOs through class-validator’s metadata', () => {
    expect(validatedClasses().has(ExampleRequestDto)).toBe(true);
    expect(validatedSchemaNames().has('ExampleRequestDto')).toBe(true);
  });

  it('should state an email rule as format email with its length, keeping the description', () => {
    expect(swaggerOf('email')).toMatchObject({
      format: 'email',
      maxLength: 320,
      description: 'kept as written',
    });
  });

  it('should state a byte limit as the same number of characters, the tightest a schema can say', () => {
    expect(swaggerOf('password')).toMatchObject({ minLength: 8, maxLength: 72 });
  });

  it('should state an integer rule and its bounds', () => {
    expect(swaggerOf('limit')).toMatchObject({ type: 'integer', minimum: 1, maximum: 100 });
  });

  it('should state a uuid rule as format uuid', () => {
    expect(swaggerOf('id')).toMatchObject({ format: 'uuid' });
  });

  it('should state a pattern as its source, and not-empty as a minimum length', () => {
    expect(swaggerOf('digits')).toMatchObject({ pattern: '^\\d+$', minLength: 1 });
  });

  it('should state a list of allowed values as an enum', () => {
    expect(swaggerOf('mode')).toMatchObject({ enum: ['cookie'] });
  });
});
