import { Module, type DynamicModule } from '@nestjs/common';
import type { AppConfig } from './config/app-config.js';
import { ConfigModule } from './config/config.module.js';
import { AuthModule } from './modules/auth/auth.module.js';
import { BookingsModule } from './modules/bookings/bookings.module.js';
import { ContractsModule } from './modules/contracts/contracts.module.js';
import { EmergencyModule } from './modules/emergency/emergency.module.js';
import { HealthModule } from './modules/health/health.module.js';
import { HttpPlatformModule } from './modules/http/http-platform.module.js';
import { MetricsModule } from './modules/metrics/metrics.module.js';
import { RegisterModule } from './modules/register/register.module.js';
import { TransmissionsModule } from './modules/transmissions/transmissions.module.js';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        AuthModule,
        HttpPlatformModule,
        MetricsModule,
        ContractsModule,
        HealthModule,
        RegisterModule,
        BookingsModule,
        TransmissionsModule.register(config),
        EmergencyModule.register(config),
      ],
    };
  }
}
