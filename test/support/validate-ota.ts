import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { memoryPages, validateXML, type XMLFileInfo } from 'xmllint-wasm';

/**
 * Validates OpenTravel 2017B documents against the official XSDs (test/fixtures/ota-2017b,
 * copied from OpenTravel/OpenTravel-Specifications) with libxml2 compiled to WebAssembly:
 * a real schema validator, offline. Each call compiles the 2 MB schema set (about half a
 * second), so validate many documents in one call.
 */
const SCHEMA_DIR = fileURLToPath(new URL('../fixtures/ota-2017b/', import.meta.url));

export const OTA_HOTEL_ROOM_LIST_RQ = 'OTA_HotelRoomListRQ.xsd';

export interface OtaValidation {
  readonly valid: boolean;
  /** libxml2's messages, without the file name: element, attribute and rule. */
  readonly errors: readonly string[];
}

let schemaFiles: readonly XMLFileInfo[] | undefined;

function loadSchemas(): readonly XMLFileInfo[] {
  schemaFiles ??= readdirSync(SCHEMA_DIR)
    .filter((name) => name.endsWith('.xsd'))
    .sort()
    .map((fileName) => ({ fileName, contents: readFileSync(SCHEMA_DIR + fileName, 'utf8') }));
  return schemaFiles;
}

/** Validates each document against `schema` (an entry XSD of the folder); results in order. */
export async function validateOtaDocuments(
  documents: readonly string[],
  schema = OTA_HOTEL_ROOM_LIST_RQ,
): Promise<OtaValidation[]> {
  if (documents.length === 0) return [];
  const schemas = loadSchemas();
  const main = schemas.find((file) => file.fileName === schema);
  if (main === undefined) throw new Error(`no schema ${schema} in ${SCHEMA_DIR}`);
  const names = documents.map((_, index) => `document-${index + 1}.xml`);
  const result = await validateXML({
    xml: documents.map((contents, index) => ({ fileName: names[index] ?? '', contents })),
    schema: [main],
    preload: schemas.filter((file) => file !== main),
    maxMemoryPages: 512 * memoryPages.MiB,
  });
  // xmllint prints `<file> validates` for each valid document; errors carry their file.
  const validated = new Set(result.rawOutput.split('\n'));
  return names.map((name) => {
    const errors = result.errors
      .filter((error) => error.loc?.fileName === name)
      .map((error) => error.message);
    const valid = validated.has(`${name} validates`);
    return { valid, errors: valid || errors.length > 0 ? errors : [result.rawOutput] };
  });
}

/** Validates one `OTA_HotelRoomListRQ` document. */
export async function validateOtaRoomList(document: string): Promise<OtaValidation> {
  const [result] = await validateOtaDocuments([document]);
  if (result === undefined) throw new Error('no validation result');
  return result;
}
