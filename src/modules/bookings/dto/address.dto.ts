import { freeText, StringArrayField, StringField } from './input-decorators.js';
import { country, postalCode } from './input-patterns.js';

/** Up to five lines, as OpenTravel's `AddressLine`. */
export class AddressDto {
  @StringArrayField(freeText(100), { min: 1, max: 5 })
  lines!: string[];

  @StringField(postalCode, { optional: true })
  postalCode?: string;

  @StringField(freeText(100))
  city!: string;

  @StringField(freeText(100), { optional: true })
  region?: string;

  @StringField(country)
  country!: string;
}
