import { Injectable, Logger } from '@nestjs/common';
import type { Counter } from 'prom-client';
import { MetricsService } from '../metrics/metrics.service.js';
import type { Transmission } from './transmissions.repository.js';

/**
 * Raises what operations must act on — a missed deadline, a final failure, data problems —
 * as one structured log line and a metric each (ids and codes only, never personal data).
 */
@Injectable()
export class OpsAlerts {
  private readonly logger = new Logger('Transmissions');
  private readonly alerts: Counter<'kind' | 'contract'>;

  constructor(metrics: MetricsService) {
    this.alerts = metrics.counter({
      name: 'passerelle_transmission_alerts_total',
      help: 'Transmissions raised to operations, by kind (missed, failed, data-quality, outdated: a recipient holding data since changed that will not be resent) and contract',
      labelNames: ['kind', 'contract'],
    });
  }

  raise(
    kind: 'missed' | 'failed' | 'data-quality' | 'outdated',
    transmission: Pick<Transmission, 'id' | 'contractId' | 'tripId'>,
    code?: string,
  ): void {
    this.alerts.inc({ kind, contract: transmission.contractId });
    // The unit is left out: a participant unit's key holds a participant id.
    this.logger.warn(
      `transmission ${kind}: ${transmission.id} (contract ${transmission.contractId}, trip ${transmission.tripId})${code === undefined ? '' : `, ${code}`}`,
    );
  }
}
