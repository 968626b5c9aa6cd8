import { Module } from '@nestjs/common';
import { StorageModule } from '@herald/storage';
import { RedeliveryQueue } from './redelivery-queue';

@Module({ imports: [StorageModule], providers: [RedeliveryQueue], exports: [RedeliveryQueue] })
export class RedeliveryModule {}
