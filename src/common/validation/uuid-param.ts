import { ParseUUIDPipe } from '@nestjs/common';

/** A path id that is not a UUID is a 400, never a database error. */
export const UuidParam = () => new ParseUUIDPipe({ version: undefined });
