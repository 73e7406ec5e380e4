import { ApiProperty } from '@nestjs/swagger';

/** The emergency requests' answers as the OpenAPI document describes them. */

const nullableString = { type: String, nullable: true } as const;

/** What the insurer that made a request may read of it again: no data. */
export class EmergencyReceiptView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: ['released', 'refused'] }) outcome!: string;
  @ApiProperty({ format: 'uuid' }) registerEntryId!: string;
  @ApiProperty({ format: 'date-time' }) receivedAt!: string;
}

/** The whole record, for operations and the DPO. */
export class EmergencyRequestRecord extends EmergencyReceiptView {
  @ApiProperty() clientId!: string;
  @ApiProperty() insurerId!: string;
  @ApiProperty({ ...nullableString, description: 'why it was refused (never told to the caller)' })
  refusal!: string | null;
  @ApiProperty(nullableString) tripId!: string | null;
  @ApiProperty(nullableString) participantId!: string | null;
  @ApiProperty() requestSha256!: string;
  @ApiProperty({ ...nullableString, description: 'what the agent wrote; null once erased' })
  policyNumber!: string | null;
  @ApiProperty(nullableString) incidentReference!: string | null;
  @ApiProperty(nullableString) reason!: string | null;
  @ApiProperty(nullableString) requestedBy!: string | null;
  @ApiProperty({ description: 'the booking was erased, and with it what the agent wrote' })
  erased!: boolean;
  @ApiProperty({
    description:
      'what the agent wrote is kept but cannot be opened (altered bytes, or a master key the process was not given); its fields are null',
  })
  unreadable!: boolean;
}

export class EmergencyRequestPage {
  @ApiProperty({ type: [EmergencyRequestRecord], description: 'newest first' })
  items!: EmergencyRequestRecord[];

  @ApiProperty({ ...nullableString, description: 'the next page’s `cursor`; null on the last' })
  nextCursor!: string | null;
}
