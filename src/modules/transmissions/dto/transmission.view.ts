import { ApiProperty } from '@nestjs/swagger';
import { TRANSMISSION_STATUSES } from '../../../core/planning/reconcile-plan.js';
import { RegisterEntryView, WithheldValue } from '../../register/dto/register-entry.view.js';

/** The transmissions' answers as the OpenAPI document describes them (`Transmission`). */

export class DataQualityProblem {
  @ApiProperty() subject!: string;
  @ApiProperty() field!: string;
  @ApiProperty({ example: 'required' }) rule!: string;
}

const nullableString = { type: String, nullable: true } as const;

export class TransmissionView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() contractId!: string;
  @ApiProperty({ type: 'integer' }) contractVersion!: number;
  @ApiProperty() tripId!: string;
  @ApiProperty({ example: 'flight:F1' }) unit!: string;
  @ApiProperty() recipientId!: string;
  @ApiProperty({ enum: ['scheduled', 'resend'] }) kind!: string;
  @ApiProperty({ type: 'integer', description: 'which of the contract’s send moments' })
  moment!: number;
  @ApiProperty({ format: 'date-time' }) dueAt!: string;
  @ApiProperty({ format: 'date-time', description: 'its last moment: missed after it' })
  deadline!: string;
  @ApiProperty({ enum: TRANSMISSION_STATUSES, enumName: 'TransmissionStatus' }) status!: string;
  @ApiProperty({ type: 'integer' }) attempts!: number;
  @ApiProperty({ type: 'integer' }) generation!: number;
  @ApiProperty({ description: 'sha256 of the minimized payload it would send' }) digest!: string;
  @ApiProperty(nullableString) deliveredDigest!: string | null;
  @ApiProperty({ ...nullableString, format: 'date-time' }) deliveredAt!: string | null;
  @ApiProperty(nullableString) lastError!: string | null;
  @ApiProperty({ type: [DataQualityProblem] }) problems!: DataQualityProblem[];
  @ApiProperty(nullableString) reason!: string | null;
  @ApiProperty({
    description: 'made due by an operator’s send-now: a re-planning leaves it due',
  })
  sentNow!: boolean;
  @ApiProperty({
    ...nullableString,
    format: 'date-time',
    description:
      'delivered, and its recipient holds data since changed that nothing will send (its last moment passed, or its contract never resends): since when — raised to operations (GDPR Art. 19: tell the recipient); null otherwise',
  })
  outdatedAt!: string | null;
  @ApiProperty({
    ...nullableString,
    description: 'the digest of the data as it is now, when outdated',
  })
  outdatedDigest!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
}

export class TransmissionPage {
  @ApiProperty({ type: [TransmissionView], description: 'by due time' })
  items!: TransmissionView[];

  @ApiProperty({ ...nullableString, description: 'the next page’s `cursor`; null on the last' })
  nextCursor!: string | null;
}

export class TransmissionDetail extends TransmissionView {
  @ApiProperty({
    type: [RegisterEntryView],
    description:
      'its register entries, newest first: the newest 200 (all of them, a page at a time, through `GET /v1/disclosures?transmissionId=`)',
  })
  registerEntries!: RegisterEntryView[];
}

export class PreviewSummary {
  @ApiProperty() contract!: string;
  @ApiProperty() unit!: string;
  @ApiProperty() recipient!: string;
  @ApiProperty({ type: [String] }) subjects!: string[];
  @ApiProperty({ type: [String] }) fields!: string[];
  @ApiProperty({ type: [WithheldValue] }) withheld!: WithheldValue[];
  @ApiProperty({ type: [DataQualityProblem] }) errors!: DataQualityProblem[];
  @ApiProperty({
    description:
      'sha256 of the minimized payload rendered now, as the plan and the sender take it (`digest`, `deliveredDigest`)',
  })
  digest!: string;
  @ApiProperty({
    type: Boolean,
    nullable: true,
    description:
      'for a transmission delivered, whether what it would send now is what it delivered (`deliveredDigest`); null when it delivered nothing',
  })
  sameAsDelivered!: boolean | null;
}

export class PreviewFile {
  @ApiProperty({
    example: 'flight-F1.0b8e4a52-6f1d-4c3e-9a7b-2d5f8c1e3a90.part01.edi',
    description:
      'the name the recipient would receive the file under (`<unit>.<transmission id>.<part>`): the unit’s id only when the contract lists it',
  })
  name!: string;
  @ApiProperty({ example: 'part01.edi' }) suffix!: string;
  @ApiProperty({ example: 'application/edifact' }) mediaType!: string;
  @ApiProperty({ description: 'the payload as it would leave' }) content!: string;
}

export class TransmissionPreview {
  @ApiProperty({ type: TransmissionView }) transmission!: TransmissionView;
  @ApiProperty({ type: PreviewSummary }) summary!: PreviewSummary;
  @ApiProperty({ type: [PreviewFile] }) files!: PreviewFile[];
}
