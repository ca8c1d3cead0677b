import { ArgumentMetadata, BadRequestException } from '@nestjs/common';
import { IsEmail, IsOptional, IsString } from 'class-validator';
import { createValidationPipe, inputProblems, MAX_INPUT_DEPTH } from './validation-pipe';

class SignUp {
  @IsEmail()
  email: string;

  @IsOptional()
  @IsString()
  name?: string;
}

const body: ArgumentMetadata = { type: 'body', metatype: SignUp };

async function messagesOf(promise: Promise<unknown>): Promise<unknown> {
  const error: unknown = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(BadRequestException);
  return ((error as BadRequestException).getResponse() as { message: unknown }).message;
}

describe('the validation pipe', () => {
  const pipe = createValidationPipe();

  it('should refuse a NUL in a body field, naming the field, before the DTO rules run', async () => {
    await expect(
      messagesOf(pipe.transform({ email: 'ada\u0000@example.com', name: 'Ada' }, body)),
    ).resolves.toEqual(['email must not contain the NUL character (U+0000)']);
  });

  it('should name every field that holds a NUL, in the order they were sent', async () => {
    await expect(
      messagesOf(pipe.transform({ email: 'a@example.com\u0000', name: '\u0000' }, body)),
    ).resolves.toEqual([
      'email must not contain the NUL character (U+0000)',
      'name must not contain the NUL character (U+0000)',
    ]);
  });

  it('should refuse a NUL in a query parameter', async () => {
    await expect(
      messagesOf(pipe.transform({ page: '1\u0000' }, { type: 'query', metatype: Object })),
    ).resolves.toEqual(['page must not contain the NUL character (U+0000)']);
  });

  it('should refuse a NUL in a path parameter, by its name', async () => {
    await expect(
      messagesOf(pipe.transform('x\u0000', { type: 'param', data: 'id', metatype: String })),
    ).resolves.toEqual(['id must not contain the NUL character (U+0000)']);
  });

  it('should leave a body without NUL to the DTO rules', async () => {
    await expect(pipe.transform({ email: 'ada@example.com', name: 'Ada' }, body)).resolves.toEqual(
      Object.assign(new SignUp(), { email: 'ada@example.com', name: 'Ada' }),
    );
    await expect(messagesOf(pipe.transform({ email: 'nope' }, body))).resolves.toEqual([
      'email must be an email',
    ]);
  });

  it('should not inspect what custom parameter decorators supply', async () => {
    const user = { name: 'a\u0000b' };
    await expect(pipe.transform(user, { type: 'custom' })).resolves.toBe(user);
  });
});

describe('inputProblems', () => {
  const nested = (depth: number, bottom: unknown): unknown => {
    let value = bottom;
    for (let i = 0; i < depth; i++) value = [value];
    return value;
  };

  it('should name nested fields the way class-validator does', () => {
    expect(
      inputProblems({ tags: ['ok', 'n\u0000'], address: { street: '\u0000' } }, 'body'),
    ).toEqual([
      'tags.1 must not contain the NUL character (U+0000)',
      'address.street must not contain the NUL character (U+0000)',
    ]);
  });

  it('should name the value itself when it is a NUL-bearing string', () => {
    expect(inputProblems('\u0000', 'id')).toEqual([
      'id must not contain the NUL character (U+0000)',
    ]);
  });

  it('should find nothing in numbers, booleans, null and clean strings', () => {
    expect(inputProblems({ a: 0, b: true, c: null, d: ['x'] }, 'body')).toEqual([]);
  });

  it(`should accept input nested ${MAX_INPUT_DEPTH} levels deep`, () => {
    expect(inputProblems({ a: nested(MAX_INPUT_DEPTH - 1, 'x') }, 'body')).toEqual([]);
  });

  it(`should refuse input nested deeper than ${MAX_INPUT_DEPTH} levels, naming where`, () => {
    expect(inputProblems({ a: nested(MAX_INPUT_DEPTH, 'x') }, 'body')).toEqual([
      `a${'.0'.repeat(MAX_INPUT_DEPTH - 1)} must not nest deeper than ${MAX_INPUT_DEPTH} levels`,
    ]);
  });

  it('should refuse a value nested deeper than the call stack without overflowing it', () => {
    expect(inputProblems(nested(100_000, 'x'), 'body')).toHaveLength(1);
  });
});
