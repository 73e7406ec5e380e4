import { Module } from '@nestjs/common';
import { MetricsController } from './metrics.controller.js';
import { MetricsService } from './metrics.service.js';

/**
 * Prometheus metrics. Import this module to count things of your own
 * (`metrics.counter({ name: 'passerelle_register_appends_total', … })`): a module
 * imported several times is one instance, so every counter lands in the same registry.
 */
@Module({
  controllers: [MetricsController],
  providers: [MetricsService],
  exports: [MetricsService],
})
export class MetricsModule {}
