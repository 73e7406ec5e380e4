import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import {
  collectDefaultMetrics,
  Counter,
  Gauge,
  Histogram,
  prometheusContentType,
  Registry,
} from 'prom-client';

type HttpLabel = 'method' | 'route' | 'status';

export interface MetricDefinition<Label extends string> {
  /** Prometheus name, `passerelle_…` for the gateway's own (`passerelle_register_appends_total`). */
  readonly name: string;
  readonly help: string;
  /** Label names. Label VALUES must never hold personal data: ids of contracts, not of people. */
  readonly labelNames?: readonly Label[];
}

export interface HistogramDefinition<Label extends string> extends MetricDefinition<Label> {
  readonly buckets?: readonly number[];
}

/** Seconds: most requests take milliseconds, a register export may take seconds. */
const HTTP_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * The metrics of one app instance, in a registry of its own (not prom-client's global
 * default, so that two apps in one process do not clash): default process metrics, the
 * HTTP request metrics, and whatever modules register through `counter`, `gauge` and
 * `histogram`.
 */
@Injectable()
export class MetricsService implements OnModuleDestroy {
  readonly registry = new Registry();
  private readonly httpRequests: Counter<HttpLabel>;
  private readonly httpDuration: Histogram<HttpLabel>;

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    this.httpRequests = this.counter({
      name: 'http_requests_total',
      help: 'HTTP requests answered, by method, route pattern and status',
      labelNames: ['method', 'route', 'status'],
    });
    this.httpDuration = this.histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration in seconds, by method, route pattern and status',
      labelNames: ['method', 'route', 'status'],
      buckets: HTTP_DURATION_BUCKETS,
    });
  }

  /** A counter in this app's registry; the same one again for the same name. */
  counter<Label extends string>(definition: MetricDefinition<Label>): Counter<Label> {
    return this.existing(definition.name, Counter) ?? new Counter(this.options(definition));
  }

  gauge<Label extends string>(definition: MetricDefinition<Label>): Gauge<Label> {
    return this.existing(definition.name, Gauge) ?? new Gauge(this.options(definition));
  }

  /**
   * A gauge whose values `collect` sets when `/metrics` is scraped (a figure read from
   * PostgreSQL or Redis): keep `collect` cheap and bounded — cache it, give it a timeout —
   * since a scrape waits for it.
   */
  collectedGauge<Label extends string>(
    definition: MetricDefinition<Label>,
    collect: (gauge: Gauge<Label>) => Promise<void>,
  ): Gauge<Label> {
    return (
      this.existing(definition.name, Gauge) ??
      new Gauge({
        ...this.options(definition),
        async collect() {
          await collect(this);
        },
      })
    );
  }

  histogram<Label extends string>(definition: HistogramDefinition<Label>): Histogram<Label> {
    return (
      this.existing(definition.name, Histogram) ??
      new Histogram({
        ...this.options(definition),
        ...(definition.buckets === undefined ? {} : { buckets: [...definition.buckets] }),
      })
    );
  }

  /** One answered request; `route` is the route PATTERN (`/v1/disclosures/:id`), never the URL. */
  observeHttpRequest(request: {
    readonly method: string;
    readonly route: string;
    readonly status: number;
    readonly seconds: number;
  }): void {
    const labels = { method: request.method, route: request.route, status: String(request.status) };
    this.httpRequests.inc(labels);
    this.httpDuration.observe(labels, request.seconds);
  }

  /** The Prometheus text exposition of every metric of this app. */
  exposition(): Promise<string> {
    return this.registry.metrics();
  }

  readonly contentType = prometheusContentType;

  onModuleDestroy(): void {
    this.registry.clear();
  }

  private options<Label extends string>(definition: MetricDefinition<Label>) {
    return {
      name: definition.name,
      help: definition.help,
      labelNames: [...(definition.labelNames ?? [])],
      registers: [this.registry],
    };
  }

  private existing<Kind>(
    name: string,
    kind: abstract new (...args: never[]) => Kind,
  ): Kind | undefined {
    const metric = this.registry.getSingleMetric(name);
    if (metric === undefined) return undefined;
    if (metric instanceof kind) return metric;
    throw new Error(`metric ${name} is already registered as another kind`);
  }
}
