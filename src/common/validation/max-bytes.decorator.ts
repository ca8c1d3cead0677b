import { ValidateBy, ValidationOptions } from 'class-validator';

/** Limits the UTF-8 byte length, which is what bcrypt counts, not characters. */
export function MaxBytes(max: number, options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'maxBytes',
      constraints: [max],
      validator: {
        validate: (value: unknown) =>
          typeof value === 'string' && Buffer.byteLength(value, 'utf8') <= max,
        defaultMessage: () => `$property must be at most ${max} bytes of UTF-8`,
      },
    },
    options,
  );
}
