import { Controller, Get, Header } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { prometheusContentType } from 'prom-client';
import { Public } from '../auth/access.decorators.js';
import { MetricsService } from './metrics.service.js';

/**
 * `GET /metrics`, for Prometheus. Public, like the health checks: labels hold route
 * patterns and statuses, never personal data. In production, expose it only on an
 * internal network (interfaces.md).
 */
@ApiExcludeController()
@Public()
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  @Get()
  @Header('Content-Type', prometheusContentType)
  exposition(): Promise<string> {
    return this.metrics.exposition();
  }
}
