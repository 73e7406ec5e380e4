import { Module } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { MetricsModule } from '../metrics/metrics.module.js';
import { ErrorFilter } from './error.filter.js';
import { createValidationPipe } from './validation.pipe.js';

/** The global error filter and validation pipe, and the metrics the request observer feeds. */
@Module({
  imports: [MetricsModule],
  providers: [
    { provide: APP_FILTER, useClass: ErrorFilter },
    { provide: APP_PIPE, useFactory: createValidationPipe },
  ],
})
export class HttpPlatformModule {}
