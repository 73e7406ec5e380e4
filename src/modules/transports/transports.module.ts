import { Module } from '@nestjs/common';
import type { AppConfig } from '../../config/app-config.js';
import { APP_CONFIG } from '../../config/config.module.js';
import { ContractsModule } from '../contracts/contracts.module.js';
import { MetricsModule } from '../metrics/metrics.module.js';
import { HttpsTransport } from './https.transport.js';
import { OutboxTransport } from './outbox.transport.js';
import { SftpTransport } from './sftp.transport.js';
import {
  TRANSPORT_IMPLEMENTATIONS,
  TransportsService,
  type TransportImplementations,
} from './transports.service.js';

/** The transports (outbox, SFTP, HTTPS) behind one service; connections closed on shutdown. */
@Module({
  imports: [ContractsModule, MetricsModule],
  providers: [
    {
      provide: TRANSPORT_IMPLEMENTATIONS,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig): TransportImplementations => ({
        outbox: new OutboxTransport(config.outboxDir),
        sftp: new SftpTransport(config.secrets),
        https: new HttpsTransport(config.secrets),
      }),
    },
    TransportsService,
  ],
  exports: [TransportsService],
})
export class TransportsModule {}
