import 'reflect-metadata';
import { Module, DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { PassportModule } from '@nestjs/passport';
import { OrdersConfig } from './config';
import { JwksStrategy, ORDERS_CONFIG } from './jwks.strategy';
import { OrdersController } from './orders.controller';

@Module({})
export class OrdersModule {
  static register(config: OrdersConfig): DynamicModule {
    return {
      module: OrdersModule,
      imports: [PassportModule],
      controllers: [OrdersController],
      providers: [{ provide: ORDERS_CONFIG, useValue: config }, JwksStrategy],
    };
  }
}

export async function createOrdersApp(config: OrdersConfig): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(
    OrdersModule.register(config),
    new FastifyAdapter(),
    { logger: ['error', 'warn'] },
  );
  app.enableShutdownHooks();
  return app;
}
