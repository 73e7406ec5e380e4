import { ApiProperty } from '@nestjs/swagger';
import { REGISTER_EVENTS } from '../../../core/register/register-entry.js';

/**
 * The register's answers as the OpenAPI document describes them (`entryView` and
 * `RegisterService.verify` build them): ids, digests and words, never a personal value.
 */

export class WithheldValue {
  @ApiProperty() subject!: string;
  @ApiProperty({ description: 'a field id of config/fields.yaml' }) field!: string;
  @ApiProperty({ example: 'no-consent' }) reason!: string;
}

export class RegisterActor {
  @ApiProperty({ enum: ['system', 'client', 'ops'] }) kind!: string;
  @ApiProperty() id!: string;
}

const nullableString = { type: String, nullable: true } as const;

export class RegisterEntryView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ type: 'integer' }) seq!: number;
  @ApiProperty({ enum: REGISTER_EVENTS, enumName: 'RegisterEvent' }) event!: string;
  @ApiProperty({ format: 'date-time' }) occurredAt!: string;
  @ApiProperty(nullableString) transmissionId!: string | null;
  @ApiProperty(nullableString) contractId!: string | null;
  @ApiProperty({ type: 'integer', nullable: true }) contractVersion!: number | null;
  @ApiProperty(nullableString) contractSha256!: string | null;
  @ApiProperty(nullableString) recipientId!: string | null;
  @ApiProperty(nullableString) recipientName!: string | null;
  @ApiProperty(nullableString) recipientCategory!: string | null;
  @ApiProperty(nullableString) purpose!: string | null;
  @ApiProperty(nullableString) legalBasis!: string | null;
  @ApiProperty(nullableString) specialCondition!: string | null;
  @ApiProperty(nullableString) transferCountry!: string | null;
  @ApiProperty(nullableString) transferSafeguard!: string | null;
  @ApiProperty(nullableString) tripId!: string | null;
  @ApiProperty(nullableString) unit!: string | null;
  @ApiProperty({ type: [String], description: 'participant ids' }) subjects!: string[];
  @ApiProperty({ type: [String], description: 'field ids' }) fields!: string[];
  @ApiProperty({ type: [String], description: 'data categories' }) categories!: string[];
  @ApiProperty({ type: [WithheldValue] }) withheld!: WithheldValue[];
  @ApiProperty(nullableString) payloadSha256!: string | null;
  @ApiProperty({ type: 'integer', nullable: true }) payloadBytes!: number | null;
  @ApiProperty(nullableString) format!: string | null;
  @ApiProperty(nullableString) transport!: string | null;
  @ApiProperty(nullableString) endpointId!: string | null;
  @ApiProperty({ type: RegisterActor }) actor!: RegisterActor;
  @ApiProperty(nullableString) reason!: string | null;
  @ApiProperty() outcome!: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) detail!: Record<string, unknown>;
  @ApiProperty() prevHash!: string;
  @ApiProperty() hash!: string;
}

export class RegisterEntryPage {
  @ApiProperty({ type: [RegisterEntryView], description: 'newest first' })
  items!: RegisterEntryView[];

  @ApiProperty({ ...nullableString, description: 'the next page’s `cursor`; null on the last' })
  nextCursor!: string | null;
}

export class RegisterVerification {
  @ApiProperty() intact!: boolean;
  @ApiProperty({ type: 'integer', description: 'entries verified' }) count!: number;
  @ApiProperty({ description: 'the published head: what the chain must end at' })
  headHash!: string;
  @ApiProperty({ type: 'integer' }) headSeq!: number;
  @ApiProperty({ ...nullableString, description: 'the first entry that does not verify' })
  firstBad!: string | null;
  @ApiProperty({ type: [String], description: 'each problem found, in words' })
  problems!: string[];
  @ApiProperty({ type: 'integer', description: '0, or the last entry retention dropped' })
  startSeq!: number;
  @ApiProperty({ type: 'integer' }) anchorsChecked!: number;
}

const objectOf = (description: string) =>
  ({ type: 'object', additionalProperties: true, description }) as const;

/** A data subject's access report (Art. 15(1)(c)), as JSON. */
export class SubjectReportView {
  @ApiProperty() subjectId!: string;
  @ApiProperty({ format: 'date-time' }) generatedAt!: string;
  @ApiProperty(objectOf('the controller (config/controller.yaml)')) controller!: object;
  @ApiProperty(objectOf('the data protection officer')) dpo!: object;
  @ApiProperty({ description: 'where the data disclosed came from (Art. 15(1)(g))' })
  source!: string;
  @ApiProperty({
    type: 'object',
    nullable: true,
    additionalProperties: true,
    description:
      'where to lodge a complaint (Art. 15(1)(f)): `name`, `url` (config/controller.yaml); null when not configured',
  })
  supervisoryAuthority!: object | null;
  @ApiProperty({
    type: 'array',
    items: objectOf('a disclosure'),
    description:
      'recipients, dates, purposes, legal bases, categories in plain words, transfers, and how long the recipient keeps the data (`retention`, from the contract loaded now)',
  })
  disclosures!: object[];
  @ApiProperty({ type: 'array', items: objectOf('a value withheld') }) withheld!: object[];
  @ApiProperty({ type: 'integer', description: 'attempts that did not reach the recipient' })
  failedAttempts!: number;
  @ApiProperty({
    type: 'array',
    items: objectOf('a restriction put, changed or lifted'),
    description:
      'restrictions of processing (Art. 18), oldest first: `entryId`, `date`, `action` (`applied`, `changed`, `lifted`), `exceptions` (`contractId`, `ground`)',
  })
  restrictions!: object[];
  @ApiProperty({
    type: [RegisterEntryView],
    description: 'the entries, as they concern the subject',
  })
  entries!: RegisterEntryView[];
}

export class ContractVersionView {
  @ApiProperty() id!: string;
  @ApiProperty({ type: 'integer' }) version!: number;
}

/** A recipient the subject's data reached (Art. 19): ids, contracts and dates only. */
export class RecipientToNotifyView {
  @ApiProperty() recipientId!: string;
  @ApiProperty() recipientName!: string;
  @ApiProperty({ example: 'airline' }) recipientCategory!: string;
  @ApiProperty({ type: [ContractVersionView], description: 'the contracts it received under' })
  contracts!: ContractVersionView[];
  @ApiProperty({ type: [String] }) tripIds!: string[];
  @ApiProperty({ format: 'date-time' }) firstDisclosedAt!: string;
  @ApiProperty({ format: 'date-time' }) lastDisclosedAt!: string;
  @ApiProperty({
    type: [String],
    description: 'the register entries of the disclosures (delivered, released)',
  })
  entryIds!: string[];
}

export class SubjectErasureView {
  @ApiProperty({ format: 'uuid', description: 'the erasure’s register entry' }) entryId!: string;
  @ApiProperty({ format: 'date-time' }) at!: string;
  @ApiProperty({ example: 'erasure request' }) reason!: string;
}

export class RestrictionExceptionView {
  @ApiProperty({ example: 'us-apis' }) contractId!: string;
  @ApiProperty({ example: 'consent' }) ground!: string;
}

export class SubjectRestrictionView {
  @ApiProperty({ format: 'uuid', description: 'the register entry' }) entryId!: string;
  @ApiProperty({ format: 'date-time' }) date!: string;
  @ApiProperty({ enum: ['applied', 'changed', 'lifted'] }) action!: string;
  @ApiProperty({
    type: [RestrictionExceptionView],
    description: 'the contracts still sent while it held, each with its Art. 18(2) ground',
  })
  exceptions!: RestrictionExceptionView[];
}

/** The recipients to notify of a subject's rectification, erasure or restriction (Art. 19). */
export class SubjectRecipientsView {
  @ApiProperty() subjectId!: string;
  @ApiProperty({ format: 'date-time' }) generatedAt!: string;
  @ApiProperty({
    type: [SubjectErasureView],
    description: 'erasures of bookings holding the subject, oldest first',
  })
  erasures!: SubjectErasureView[];
  @ApiProperty({
    type: [SubjectRestrictionView],
    description:
      'the subject’s restrictions of processing put, changed or lifted, oldest first: each one to tell the recipients of (Art. 19)',
  })
  restrictions!: SubjectRestrictionView[];
  @ApiProperty({
    type: [RecipientToNotifyView],
    description: 'every recipient the subject’s data reached, in order of first disclosure',
  })
  recipients!: RecipientToNotifyView[];
}

export class RopaPeriod {
  @ApiProperty(nullableString) from!: string | null;
  @ApiProperty(nullableString) to!: string | null;
}

/** The Art. 30 record of processing, as JSON. */
export class RecordOfProcessingView {
  @ApiProperty({ format: 'date-time' }) generatedAt!: string;
  @ApiProperty({ type: RopaPeriod }) period!: RopaPeriod;
  @ApiProperty(objectOf('the controller (config/controller.yaml)')) controller!: object;
  @ApiProperty(objectOf('the data protection officer')) dpo!: object;
  @ApiProperty({
    type: 'array',
    items: objectOf(
      'one per contract loaded (`status: in-force`), and one per contract version the register holds disclosures of in the period that is not loaded (`other-version`, `no-longer-configured`), described from its entries, with retention and security measures null (not recorded): contractId, contractVersion, versionInForce, purposes, legal basis, data subjects, categories, recipients, transfers and safeguards, retention, security measures, what was disclosed in the period',
    ),
  })
  activities!: object[];
}
