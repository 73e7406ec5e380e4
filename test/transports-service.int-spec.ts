import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { loadAppConfig } from '../src/config/app-config.js';
import { ConfigModule } from '../src/config/config.module.js';
import { CONTRACT_CATALOG } from '../src/modules/contracts/contracts.module.js';
import type { ContractCatalog } from '../src/modules/contracts/load-contract-catalog.js';
import { MetricsService } from '../src/modules/metrics/metrics.service.js';
import type { SftpTransport } from '../src/modules/transports/sftp.transport.js';
import type { Delivery } from '../src/modules/transports/transport.js';
import { TransportsModule } from '../src/modules/transports/transports.module.js';
import {
  TRANSPORT_IMPLEMENTATIONS,
  TransportsService,
  type TransportDelivery,
  type TransportImplementations,
} from '../src/modules/transports/transports.service.js';
import { startHttpsServer, type HttpsTestServer } from './support/https-server.js';
import { repoPath } from './support/shipped-catalog.js';
import { generateKeyPair, startSftpServer, type SftpTestServer } from './support/sftp-server.js';

const PASSWORD = 'hotel-password-Xy7!never-shown';
const TOKEN = 'insurer-token-Qz9-never-shown';

@Module({})
class RootModule {}

interface Harness {
  readonly app: INestApplicationContext;
  readonly service: TransportsService;
  readonly catalog: ContractCatalog;
  readonly outboxDir: string;
}

function delivery(contractId: string, transmissionId: string): Delivery {
  return {
    transmissionId,
    contractId,
    recipientId: 'R-1',
    files: [
      {
        name: `${contractId}.part01.txt`,
        content: `first part of ${contractId}\n`,
        mediaType: 'text/plain',
      },
      { name: `${contractId}.part02.txt`, content: 'second part\n', mediaType: 'text/plain' },
    ],
  };
}

describe('the transports service, wired as the gateway wires it', () => {
  let sftp: SftpTestServer;
  let https: HttpsTestServer;
  let workDir: string;
  let configDir: string;
  let secrets: Record<string, string>;
  const apps: INestApplicationContext[] = [];

  /** The shipped contracts, with every endpoint pointed at the loopback servers. */
  async function start(env: Record<string, string> = {}): Promise<Harness> {
    const outboxDir = await mkdtemp(join(workDir, 'outbox-'));
    const config = loadAppConfig({
      NODE_ENV: 'test',
      PASSERELLE_CONTRACTS_DIR: repoPath('contracts'),
      PASSERELLE_CONFIG_DIR: configDir,
      PASSERELLE_OUTBOX_DIR: outboxDir,
      ...secrets,
      ...env,
    });
    const app = await NestFactory.createApplicationContext(
      { module: RootModule, imports: [ConfigModule.forRoot(config), TransportsModule] },
      { logger: false },
    );
    apps.push(app);
    return {
      app,
      service: app.get(TransportsService),
      catalog: app.get<ContractCatalog>(CONTRACT_CATALOG),
      outboxDir,
    };
  }

  beforeAll(async () => {
    sftp = await startSftpServer();
    https = await startHttpsServer();
    workDir = await mkdtemp(join(tmpdir(), 'passerelle-transports-'));
    configDir = join(workDir, 'config');
    await cp(repoPath('config'), configDir, { recursive: true });
    const shipped = parse(await readFile(repoPath('config/endpoints.yaml'), 'utf8')) as {
      endpoints: Record<string, { transport: string }>;
    };
    secrets = {};
    const endpoints: Record<string, unknown> = {};
    for (const [id, endpoint] of Object.entries(shipped.endpoints)) {
      const variable = `PASSERELLE_SECRET_${id.toUpperCase().replaceAll('-', '_')}`;
      if (endpoint.transport === 'sftp') {
        await mkdir(join(sftp.rootDir, id));
        endpoints[id] = {
          transport: 'sftp',
          host: '127.0.0.1',
          port: sftp.port,
          username: sftp.username,
          hostKey: sftp.hostKeyLine,
          remoteDir: join(sftp.rootDir, id),
        };
        secrets[`${variable}_PRIVATE_KEY_FILE`] = sftp.privateKeyFile;
        secrets[`${variable}_PASSWORD`] = PASSWORD;
      } else {
        endpoints[id] = {
          transport: 'https',
          url: `${https.origin}/v1/{recipientId}/${id}`,
          timeoutMs: 5000,
        };
        secrets[`${variable}_CA_FILE`] = https.files.ca;
        secrets[`${variable}_TOKEN`] = TOKEN;
      }
    }
    await writeFile(join(configDir, 'endpoints.yaml'), stringify({ endpoints }));
  });

  afterAll(async () => {
    await Promise.all(apps.map((app) => app.close()));
    await sftp.close();
    await https.close();
    await rm(workDir, { recursive: true, force: true });
  });

  it('should deliver every contract by its own transport to its own endpoint', async () => {
    const { service, catalog } = await start();
    const deliverable = [...catalog.contracts.values()]
      .map((loaded) => loaded.contract)
      .filter((contract) => contract.transport.type !== 'api-response');
    expect(deliverable.length).toBeGreaterThan(3);
    for (const contract of deliverable) {
      const outcome = await service.deliver(
        contract.transport,
        delivery(contract.id, `tx-${contract.id}`),
      );
      expect(outcome).toMatchObject({
        result: { ok: true },
        transport: contract.transport.type,
        endpointId: contract.transport.endpoint,
        overridden: false,
      });
      if (contract.transport.type === 'sftp') {
        const files = await readdir(join(sftp.rootDir, contract.transport.endpoint!));
        expect(files).toEqual(
          expect.arrayContaining([`${contract.id}.part01.txt`, `${contract.id}.part02.txt`]),
        );
        expect(files.filter((f) => f.startsWith('.'))).toEqual([]);
      } else {
        expect(
          https.requests
            .filter((r) =>
              r.headers['idempotency-key']?.toString().startsWith(`tx-${contract.id}:`),
            )
            .map((r) => r.url),
        ).toEqual([
          `/v1/R-1/${contract.transport.endpoint!}`,
          `/v1/R-1/${contract.transport.endpoint!}`,
        ]);
      }
    }
  });

  it('should send every contract to the outbox, and say so, when the override is set', async () => {
    const { service, catalog, outboxDir } = await start({
      PASSERELLE_TRANSPORT_OVERRIDE: 'outbox',
    });
    const sftpBefore = sftp.acceptedLogins();
    const httpsBefore = https.requests.length;
    for (const { contract } of catalog.contracts.values()) {
      if (contract.transport.type === 'api-response') continue;
      const outcome = await service.deliver(
        contract.transport,
        delivery(contract.id, 'tx-override'),
      );
      const folder = join(outboxDir, contract.id, 'tx-override');
      expect(outcome).toEqual({
        result: {
          ok: true,
          locations: [
            join(folder, `${contract.id}.part01.txt`),
            join(folder, `${contract.id}.part02.txt`),
          ],
        },
        transport: 'outbox',
        overridden: true,
        requested: { transport: contract.transport.type, endpointId: contract.transport.endpoint },
      } satisfies TransportDelivery);
      expect(await readFile(join(folder, `${contract.id}.part01.txt`), 'utf8')).toBe(
        `first part of ${contract.id}\n`,
      );
    }
    expect(sftp.acceptedLogins()).toBe(sftpBefore);
    expect(https.requests.length).toBe(httpsBefore);
  });

  it('should refuse to deliver an api-response contract: it is answered in the request', async () => {
    const { service, catalog } = await start({ PASSERELLE_TRANSPORT_OVERRIDE: 'outbox' });
    const emergency = catalog.contracts.get('insurer-emergency')!.contract;
    await expect(
      service.deliver(emergency.transport, delivery(emergency.id, 'tx-emergency')),
    ).rejects.toThrow(/api-response/);
  });

  it('should count deliveries by transport and outcome, with no personal label', async () => {
    const { app, service } = await start();
    await service.deliver(
      { type: 'sftp', endpoint: 'hotel-rooming' },
      delivery('hotel-rooming-list', 'tx-m1'),
    );
    https.reply = () => ({ status: 422 });
    try {
      await service.deliver(
        { type: 'https', endpoint: 'insurer-enrollment' },
        delivery('insurer-enrollment', 'tx-m2'),
      );
    } finally {
      https.reply = () => ({ status: 201 });
    }
    const exposition = await app.get(MetricsService).exposition();
    expect(exposition).toContain(
      'passerelle_deliveries_total{transport="sftp",outcome="delivered"} 1',
    );
    expect(exposition).toContain(
      'passerelle_deliveries_total{transport="https",outcome="permanent-failure"} 1',
    );
  });

  it('should never put a secret in a result or an error, whatever fails', async () => {
    const stranger = await generateKeyPair(workDir, 'stranger');
    const { service } = await start({
      PASSERELLE_SECRET_HOTEL_ROOMING_PRIVATE_KEY_FILE: stranger.privateKeyFile,
    });
    const outcomes: unknown[] = [];
    outcomes.push(
      await service.deliver(
        { type: 'sftp', endpoint: 'hotel-rooming' },
        delivery('hotel-rooming-list', 'tx-s1'),
      ),
    );
    https.reply = () => ({ status: 401, body: `token ${TOKEN} refused` });
    try {
      outcomes.push(
        await service.deliver(
          { type: 'https', endpoint: 'insurer-enrollment' },
          delivery('insurer-enrollment', 'tx-s2'),
        ),
      );
    } finally {
      https.reply = () => ({ status: 201 });
    }
    await sftp.stop();
    try {
      outcomes.push(
        await service.deliver(
          { type: 'sftp', endpoint: 'airline-apis' },
          delivery('us-apis', 'tx-s3'),
        ),
      );
    } finally {
      await sftp.start();
    }
    await service
      .deliver({ type: 'api-response' }, delivery('insurer-emergency', 'tx-s4'))
      .catch((error: unknown) => outcomes.push(error instanceof Error ? error.message : error));
    await service
      .deliver({ type: 'sftp', endpoint: 'no-such-endpoint' }, delivery('x', 'tx-s5'))
      .catch((error: unknown) => outcomes.push(error instanceof Error ? error.message : error));

    expect(outcomes).toHaveLength(5);
    expect(outcomes[0]).toMatchObject({
      result: { ok: false, permanent: true, code: 'SFTP_AUTH_REFUSED' },
    });
    expect(outcomes[1]).toMatchObject({
      result: { ok: false, permanent: true, code: 'HTTPS_STATUS_401' },
    });
    expect(outcomes[2]).toMatchObject({ result: { ok: false, permanent: false } });
    for (const outcome of outcomes) {
      const text = JSON.stringify(outcome);
      expect(text).not.toContain(PASSWORD);
      expect(text).not.toContain(TOKEN);
      expect(text).not.toContain(stranger.privateKeyFile);
    }
  });

  it('should close its pooled connections when the module is destroyed', async () => {
    const { app, service } = await start();
    const transports = app.get<TransportImplementations>(TRANSPORT_IMPLEMENTATIONS);
    await service.deliver({ type: 'sftp', endpoint: 'airline-apis' }, delivery('us-apis', 'tx-c1'));
    expect((transports.sftp as SftpTransport).stats().openConnections).toBe(1);
    await app.close();
    expect((transports.sftp as SftpTransport).stats().openConnections).toBe(0);
  });
});
