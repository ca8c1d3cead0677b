import { Module } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { TypeOrmModule } from '@nestjs/typeorm';
import { databaseConfig } from '../config/database.config';
import { dataSourceOptions } from './data-source-options';
import { EmbeddedDatabaseService } from './embedded-database.service';
import { MigrationsService } from './migrations.service';

@Module({
  providers: [EmbeddedDatabaseService],
  exports: [EmbeddedDatabaseService],
})
class EmbeddedDatabaseModule {}

@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      imports: [EmbeddedDatabaseModule],
      inject: [databaseConfig.KEY, EmbeddedDatabaseService],
      useFactory: async (
        config: ConfigType<typeof databaseConfig>,
        embedded: EmbeddedDatabaseService,
      ) => ({
        ...dataSourceOptions(await embedded.resolveUrl(), config.poolSize, config.timeoutMs),
        // MigrationsService applies them, under a lock.
        migrationsRun: false,
        // Entities come from each module's TypeOrmModule.forFeature: a module owns its tables.
        autoLoadEntities: true,
        // Fail start-up fast instead of TypeORM's default of retrying for half a minute.
        retryAttempts: 1,
      }),
    }),
  ],
  providers: [MigrationsService],
  exports: [MigrationsService],
})
export class DatabaseModule {}
