/**
 * A problem with the data being imported, worded for the admin who has to fix it. Messages
 * name attributes and files, never their values: values may identify a patient.
 */
export class IngestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "IngestError";
  }
}
