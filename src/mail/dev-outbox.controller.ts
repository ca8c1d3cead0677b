import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public } from '../auth/decorators/public.decorator';
import { OutboxMessageDto } from './dto/outbox-message.dto';
import { OutboxStore } from './outbox.store';

@ApiTags('development')
@Controller('dev')
export class DevOutboxController {
  constructor(private readonly outbox: OutboxStore) {}

  @Public()
  @Get('outbox')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Mails written to the development outbox, newest first',
    description:
      'Only without SMTP_URL outside production: each mail is also an .eml file in DATA_DIR/outbox. ' +
      'This route does not exist in production.',
  })
  @ApiOkResponse({
    type: OutboxMessageDto,
    isArray: true,
    headers: { 'Cache-Control': { description: 'no-store', schema: { type: 'string' } } },
  })
  list(): Promise<OutboxMessageDto[]> {
    return this.outbox.list();
  }
}
