import { describe, expect, it } from 'vitest';
import { MetricsService } from './metrics.service.js';

describe('the metrics service', () => {
  it('should keep each app’s metrics in its own registry', async () => {
    const first = new MetricsService();
    const second = new MetricsService();
    first
      .counter({
        name: 'passerelle_register_appends_total',
        help: 'appends',
        labelNames: ['event'],
      })
      .inc({ event: 'ops-action' });
    second.counter({
      name: 'passerelle_register_appends_total',
      help: 'appends',
      labelNames: ['event'],
    });
    expect(await first.exposition()).toContain(
      'passerelle_register_appends_total{event="ops-action"} 1',
    );
    expect(await second.exposition()).not.toContain('event="ops-action"');
    expect(await first.exposition()).toContain('process_cpu_user_seconds_total');
    first.onModuleDestroy();
    second.onModuleDestroy();
  });

  it('should give the same counter again for the same name, and refuse a name of another kind', () => {
    const metrics = new MetricsService();
    const counter = metrics.counter({ name: 'passerelle_things_total', help: 'things' });
    expect(metrics.counter({ name: 'passerelle_things_total', help: 'things' })).toBe(counter);
    expect(() => metrics.gauge({ name: 'passerelle_things_total', help: 'things' })).toThrow(
      'metric passerelle_things_total is already registered as another kind',
    );
    metrics.onModuleDestroy();
  });
});
