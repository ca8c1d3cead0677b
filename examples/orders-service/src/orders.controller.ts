import { Controller, Get, Req, UseGuards } from '@nestjs/common';
import { Caller } from './jwks.strategy';
import { JwtAuthGuard } from './jwt-auth.guard';

export interface OrdersResponse {
  userId: string;
  orders: { id: string; item: string; quantity: number }[];
}

/** The guarded resource: whoever the token names, with no call to the auth service. */
@Controller('orders')
@UseGuards(JwtAuthGuard)
export class OrdersController {
  @Get()
  list(@Req() request: { user: Caller }): OrdersResponse {
    const { userId } = request.user;
    return {
      userId,
      orders: [{ id: `${userId.slice(0, 8)}-1`, item: 'Coffee beans', quantity: 2 }],
    };
  }
}
