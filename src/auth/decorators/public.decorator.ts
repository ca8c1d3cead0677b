import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC_KEY = 'auth:public';

/** Opts a route out of the global JwtAuthGuard. Everything else needs a valid access token. */
export const Public = () => SetMetadata(IS_PUBLIC_KEY, true);
