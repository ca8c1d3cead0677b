import { ValidationPipe, ValidationPipeOptions } from '@nestjs/common';

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

export const createValidationPipe = () => new ValidationPipe(validationPipeOptions);
