/**
 * The core's plain types for trips and bookings (reference: input-model.md).
 * They are produced by the input adapters after validation; the core trusts their shape
 * but never their business consistency (rooms, ids) — the projection checks what it uses.
 * Dates are ISO `YYYY-MM-DD`; instants are ISO 8601 with the airport's own offset.
 */

/** ISO 3166-1 alpha-3. */
export type CountryCode = string;
/** `YYYY-MM-DD`. */
export type IsoDate = string;
/** ISO 8601 instant with an explicit offset, e.g. `2027-07-01T10:30:00+02:00`. */
export type IsoInstant = string;

export interface Address {
  readonly lines: readonly string[];
  readonly postalCode?: string;
  readonly city: string;
  readonly region?: string;
  readonly country: CountryCode;
}

export interface FlightPoint {
  readonly airport: string;
  readonly country: CountryCode;
  readonly scheduledAt: IsoInstant;
}

export interface Flight {
  readonly id: string;
  readonly carrier: string;
  readonly flightNumber: string;
  readonly departure: FlightPoint;
  readonly arrival: FlightPoint;
  readonly pnr?: string;
}

export type RoomType = 'SGL' | 'TWN' | 'DBL' | 'TRP' | 'QUAD' | 'DORM';
export const ROOM_TYPES: readonly RoomType[] = ['SGL', 'TWN', 'DBL', 'TRP', 'QUAD', 'DORM'];

export interface Room {
  readonly id: string;
  readonly type: RoomType;
  readonly occupantIds: readonly string[];
}

export interface Hotel {
  readonly id: string;
  readonly name: string;
  readonly address: Address;
}

export type Board = 'room-only' | 'breakfast' | 'half-board' | 'full-board';
export const BOARDS: readonly Board[] = ['room-only', 'breakfast', 'half-board', 'full-board'];

export interface Stay {
  readonly id: string;
  readonly hotel: Hotel;
  readonly checkIn: IsoDate;
  readonly checkOut: IsoDate;
  readonly board: Board;
  readonly rooms: readonly Room[];
}

export type TripStatus = 'scheduled' | 'cancelled';
export const TRIP_STATUSES: readonly TripStatus[] = ['scheduled', 'cancelled'];

export interface Trip {
  readonly id: string;
  readonly revision: number;
  readonly name: string;
  readonly status: TripStatus;
  readonly startDate: IsoDate;
  readonly endDate: IsoDate;
  readonly flights: readonly Flight[];
  readonly stays: readonly Stay[];
}
