/**
 * The request rules of the OpenAPI document, derived from the class-validator decorators that
 * enforce them, so the document cannot promise less or more than the validation pipe checks
 * (issue 15: a generated client or a validating proxy must refuse what the server refuses).
 * This is what @nestjs/swagger's compiler plugin does with `classValidatorShim`, done at start-up
 * instead, so that `nest build`, ts-jest and ts-node all produce the same document.
 */
import { DECORATORS } from '@nestjs/swagger';
import { getMetadataStorage } from 'class-validator';
import type { ValidationMetadata } from 'class-validator/types/metadata/ValidationMetadata';

type SchemaConstraints = Record<string, unknown>;
/** A DTO class, as class-validator keys its rules by. */
type DtoClass = abstract new (...args: never[]) => unknown;

/**
 * What one validator says about a property's schema. Validators not listed (isString,
 * isOptional, the Trim transform…) add nothing a schema could state.
 */
const CONSTRAINTS: Record<string, (constraints: unknown[]) => SchemaConstraints> = {
  isEmail: () => ({ format: 'email' }),
  isUuid: () => ({ format: 'uuid' }),
  isInt: () => ({ type: 'integer' }),
  isNotEmpty: () => ({ minLength: 1 }),
  minLength: ([min]) => ({ minLength: min }),
  maxLength: ([max]) => ({ maxLength: max }),
  // A schema counts characters; bcrypt counts UTF-8 bytes. n bytes are never more than n
  // characters, so maxLength is the tightest bound a schema can state; the description says
  // the rest.
  maxBytes: ([max]) => ({ maxLength: max }),
  min: ([min]) => ({ minimum: min }),
  max: ([max]) => ({ maximum: max }),
  matches: ([pattern]) => ({ pattern: (pattern as RegExp).source }),
  isIn: ([values]) => ({ enum: values }),
  isEnum: ([entity]) => ({ enum: Object.values(entity as object) }),
};

/** Every class that class-validator holds rules for: the request DTOs. */
export function validatedClasses(): Map<DtoClass, ValidationMetadata[]> {
  const storage = getMetadataStorage() as unknown as {
    validationMetadatas?: Map<DtoClass | string, ValidationMetadata[]>;
  };
  // A private field: fail loudly at start-up rather than silently document nothing.
  if (!(storage.validationMetadatas instanceof Map))
    throw new Error('class-validator metadata storage changed shape: cannot document constraints');
  const classes = new Map<DtoClass, ValidationMetadata[]>();
  for (const [target, rules] of storage.validationMetadatas)
    if (typeof target === 'function') classes.set(target, rules);
  return classes;
}

/** The schema constraints the rules of one property imply. */
export function constraintsOf(rules: ValidationMetadata[]): SchemaConstraints {
  const schema: SchemaConstraints = {};
  for (const rule of rules) {
    const derive = rule.name !== undefined ? CONSTRAINTS[rule.name] : undefined;
    if (derive && !rule.each) Object.assign(schema, derive(rule.constraints ?? []));
  }
  // isNotEmpty's minLength only means something for strings, and never loosens a stated one.
  if (schema.minLength === 1 && rules.some((rule) => rule.name === 'minLength'))
    schema.minLength = rules.find((rule) => rule.name === 'minLength')!.constraints[0];
  return schema;
}

/**
 * Writes the derived constraints into @nestjs/swagger's property metadata, before the document
 * is created: body schemas and query parameters both come from that metadata. What a decorator
 * says explicitly (a description, an example) stays; a constraint always comes from the rule.
 */
export function documentValidationConstraints(): void {
  for (const [target, rules] of validatedClasses()) {
    const byProperty = new Map<string, ValidationMetadata[]>();
    for (const rule of rules)
      byProperty.set(rule.propertyName, [...(byProperty.get(rule.propertyName) ?? []), rule]);
    for (const [property, propertyRules] of byProperty) {
      const derived = constraintsOf(propertyRules);
      if (Object.keys(derived).length === 0) continue;
      const existing = Reflect.getMetadata(
        DECORATORS.API_MODEL_PROPERTIES,
        target.prototype as object,
        property,
      ) as SchemaConstraints | undefined;
      // An undocumented property is the swagger decorators' business, not ours.
      if (!existing) continue;
      // Integers stay integers; the schema of an enum is its values.
      const type = derived.type ?? existing.type;
      Reflect.defineMetadata(
        DECORATORS.API_MODEL_PROPERTIES,
        { ...existing, ...derived, ...(type !== undefined ? { type } : {}) },
        target.prototype as object,
        property,
      );
    }
  }
}

/** The names of the schemas that are request DTOs: the validation pipe forbids unknown fields. */
export function validatedSchemaNames(): Set<string> {
  return new Set([...validatedClasses().keys()].map((target) => target.name));
}
