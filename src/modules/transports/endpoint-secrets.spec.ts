import { describe, expect, it } from 'vitest';
import { endpointSecret, secretVariable } from './endpoint-secrets.js';

describe('endpoint secrets', () => {
  it('should name the variable after the endpoint id, upper-cased with dashes as underscores', () => {
    expect(secretVariable('hotel-rooming', 'PASSWORD')).toBe(
      'PASSERELLE_SECRET_HOTEL_ROOMING_PASSWORD',
    );
    expect(secretVariable('airline-secure-flight', 'PRIVATE_KEY_FILE')).toBe(
      'PASSERELLE_SECRET_AIRLINE_SECURE_FLIGHT_PRIVATE_KEY_FILE',
    );
    expect(secretVariable('insurer-enrollment', 'CLIENT_CERT_FILE')).toBe(
      'PASSERELLE_SECRET_INSURER_ENROLLMENT_CLIENT_CERT_FILE',
    );
  });

  it('should read the value of that variable, and treat an empty one as unset', () => {
    const secrets = {
      PASSERELLE_SECRET_HOTEL_ROOMING_PASSWORD: 's3cret',
      PASSERELLE_SECRET_HOTEL_ROOMING_PASSPHRASE: '',
    };
    expect(endpointSecret(secrets, 'hotel-rooming', 'PASSWORD')).toBe('s3cret');
    expect(endpointSecret(secrets, 'hotel-rooming', 'PASSPHRASE')).toBeUndefined();
    expect(endpointSecret(secrets, 'hotel-rooming', 'PRIVATE_KEY_FILE')).toBeUndefined();
    expect(endpointSecret(secrets, 'airline-apis', 'PASSWORD')).toBeUndefined();
  });
});
