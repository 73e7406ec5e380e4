import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import type { Counter, Histogram } from 'prom-client';
import type { TransportType } from '../../core/contracts/contract.js';
import type { AppConfig } from '../../config/app-config.js';
import { APP_CONFIG } from '../../config/config.module.js';
import { CONTRACT_CATALOG } from '../contracts/contracts.module.js';
import type { ContractCatalog } from '../contracts/load-contract-catalog.js';
import { MetricsService } from '../metrics/metrics.service.js';
import type { Delivery, DeliveryResult, Transport } from './transport.js';

/** The transport implementations by type; a provider of its own so tests can swap them. */
export const TRANSPORT_IMPLEMENTATIONS = Symbol('TRANSPORT_IMPLEMENTATIONS');
export type TransportImplementations = Readonly<Record<Transport['type'], Transport>>;

/** A contract's `transport`: what the caller asks for. */
export interface TransportChoice {
  readonly type: TransportType;
  readonly endpoint?: string;
}

/** What happened, and by which transport — for the register. */
export interface TransportDelivery {
  readonly result: DeliveryResult;
  /** The transport that ran: `outbox` when overridden. */
  readonly transport: Transport['type'];
  /** The endpoint delivered to; absent for the outbox (overridden or not). */
  readonly endpointId?: string;
  /** True when `PASSERELLE_TRANSPORT_OVERRIDE=outbox` replaced the contract's transport. */
  readonly overridden: boolean;
  /** When overridden: what the contract asked for, so the register can say what did not happen. */
  readonly requested?: { readonly transport: TransportType; readonly endpointId?: string };
}

type Outcome = 'delivered' | 'transient-failure' | 'permanent-failure';

/**
 * Picks the transport a contract names, resolves its endpoint in `config/endpoints.yaml`,
 * and delivers; with `PASSERELLE_TRANSPORT_OVERRIDE=outbox` every delivery goes to the
 * outbox instead (demo, staging, tests) and says so. Expected failures are results;
 * an unexpected exception from a transport becomes a transient failure.
 */
@Injectable()
export class TransportsService implements OnModuleDestroy {
  private readonly logger = new Logger('Transports');
  private readonly deliveries: Counter<'transport' | 'outcome'>;
  private readonly durations: Histogram<'transport' | 'outcome'>;

  constructor(
    @Inject(TRANSPORT_IMPLEMENTATIONS) private readonly transports: TransportImplementations,
    @Inject(CONTRACT_CATALOG) private readonly catalog: ContractCatalog,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    metrics: MetricsService,
  ) {
    this.deliveries = metrics.counter({
      name: 'passerelle_deliveries_total',
      help: 'Deliveries attempted, by transport and outcome',
      labelNames: ['transport', 'outcome'],
    });
    this.durations = metrics.histogram({
      name: 'passerelle_delivery_seconds',
      help: 'Time to deliver one transmission’s files (connection included), by transport and outcome',
      labelNames: ['transport', 'outcome'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    });
  }

  async deliver(transport: TransportChoice, delivery: Delivery): Promise<TransportDelivery> {
    if (transport.type === 'api-response') {
      // Emergency data leaves in the insurer's HTTP response, never through a transport.
      throw new Error(
        `contract ${delivery.contractId}: an api-response transport is answered in the request, not delivered`,
      );
    }
    if (this.config.transportOverride === 'outbox') {
      const result = await this.run(this.transports.outbox, undefined, delivery);
      return {
        result,
        transport: 'outbox',
        overridden: true,
        requested: {
          transport: transport.type,
          ...(transport.endpoint === undefined ? {} : { endpointId: transport.endpoint }),
        },
      };
    }
    if (transport.type === 'outbox') {
      return {
        result: await this.run(this.transports.outbox, undefined, delivery),
        transport: 'outbox',
        overridden: false,
      };
    }
    const endpoint =
      transport.endpoint === undefined ? undefined : this.catalog.endpoints.get(transport.endpoint);
    // The contract linter refuses both at boot; reaching here is a programming error.
    if (endpoint?.transport !== transport.type) {
      throw new Error(
        `contract ${delivery.contractId}: no ${transport.type} endpoint ${transport.endpoint ?? '(none)'} in the endpoint catalogue`,
      );
    }
    return {
      result: await this.run(this.transports[transport.type], endpoint, delivery),
      transport: transport.type,
      endpointId: endpoint.id,
      overridden: false,
    };
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.all(Object.values(this.transports).map((transport) => transport.close()));
  }

  private async run(
    transport: Transport,
    endpoint: Parameters<Transport['deliver']>[0],
    delivery: Delivery,
  ): Promise<DeliveryResult> {
    let result: DeliveryResult;
    const started = performance.now();
    try {
      result = await transport.deliver(endpoint, delivery);
    } catch (error) {
      // The error's message is not logged: it could hold anything the library put in it.
      this.logger.error(
        `${transport.type} delivery of transmission ${delivery.transmissionId} threw ${error instanceof Error ? error.name : 'a non-error'}`,
      );
      result = {
        ok: false,
        permanent: false,
        code: 'TRANSPORT_ERROR',
        reason: `unexpected error in the ${transport.type} transport`,
      };
    }
    const outcome: Outcome = result.ok
      ? 'delivered'
      : result.permanent
        ? 'permanent-failure'
        : 'transient-failure';
    this.deliveries.inc({ transport: transport.type, outcome });
    this.durations.observe(
      { transport: transport.type, outcome },
      (performance.now() - started) / 1000,
    );
    if (!result.ok) {
      this.logger.warn(
        `${transport.type} delivery of transmission ${delivery.transmissionId} (contract ${delivery.contractId}) failed: ${result.code}${result.permanent ? ' (permanent)' : ''}`,
      );
    }
    return result;
  }
}
