import {
  ArgumentMetadata,
  BadRequestException,
  ValidationPipe,
  ValidationPipeOptions,
} from '@nestjs/common';

/**
 * The one validation pipeline: registered as APP_PIPE, and reused by guards that must read a body
 * before pipes run (passport-local on login). Unknown fields are refused, not dropped.
 */
export const validationPipeOptions: ValidationPipeOptions = {
  whitelist: true,
  forbidNonWhitelisted: true,
  transform: true,
  forbidUnknownValues: true,
  validationError: { target: false, value: false },
};

const NUL = '\u0000';

/**
 * No DTO of ours nests at all; class-transformer recurses once per level and runs out of stack
 * a few thousand levels down, which a 100 kB body can reach.
 */
export const MAX_INPUT_DEPTH = 32;

/**
 * Refuses, before the DTO is even built, a NUL character (U+0000) in any string of a body, query
 * or path parameter, and input nested deeper than MAX_INPUT_DEPTH. PostgreSQL cannot store NUL in
 * text (a query error: once a 500, after a bcrypt hash had been spent on the request), and no
 * field of ours has a use for it. Doing it here covers every DTO, present and future, without
 * each field having to remember a decorator.
 */
export class AppValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body' || metadata.type === 'query' || metadata.type === 'param') {
      const problems = inputProblems(value, metadata.data ?? metadata.type);
      if (problems.length > 0) throw new BadRequestException(problems);
    }
    return super.transform(value, metadata) as Promise<unknown>;
  }
}

export const createValidationPipe = () => new AppValidationPipe(validationPipeOptions);

interface Visit {
  value: unknown;
  depth: number;
  key?: string;
  parent?: Visit;
}

/**
 * One message per string holding NUL and per object or array nested too deeply, naming it by
 * its dotted path as class-validator names nested fields (`items.0.name`). Iterative, and each
 * path is built only when needed, because the input may nest deeper than the call stack.
 */
export function inputProblems(value: unknown, rootName: string): string[] {
  const problems: string[] = [];
  const pending: Visit[] = [{ value, depth: 0 }];
  while (pending.length > 0) {
    const visit = pending.pop()!;
    if (typeof visit.value === 'string') {
      if (visit.value.includes(NUL))
        problems.push(`${pathOf(visit, rootName)} must not contain the NUL character (U+0000)`);
    } else if (typeof visit.value === 'object' && visit.value !== null) {
      if (visit.depth === MAX_INPUT_DEPTH) {
        problems.push(
          `${pathOf(visit, rootName)} must not nest deeper than ${MAX_INPUT_DEPTH} levels`,
        );
        continue;
      }
      // Pushed last to first, so that fields are reported in the order they were sent.
      for (const [key, child] of Object.entries(visit.value).reverse())
        pending.push({ value: child, depth: visit.depth + 1, key, parent: visit });
    }
  }
  return problems;
}

function pathOf(visit: Visit, rootName: string): string {
  const keys: string[] = [];
  for (let at: Visit | undefined = visit; at?.key !== undefined; at = at.parent) keys.push(at.key);
  return keys.length > 0 ? keys.reverse().join('.') : rootName;
}
