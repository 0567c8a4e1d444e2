// Shared set-up for this package's tests: a device directory like the server's, and devices.
// Not exported from index.ts.
import { bytesEqual } from "./encoding.ts";
import { createMlsClient, type DeviceIdentity, type KeyPackageBundle, type MlsClient } from "./mls.ts";

/** An in-memory stand-in for the server's device directory. */
export class TestDirectory {
  readonly #keys = new Map<string, Uint8Array>();

  register(identity: { userId: string; deviceId: string; signaturePublicKey: Uint8Array }): void {
    this.#keys.set(`${identity.userId}\n${identity.deviceId}`, identity.signaturePublicKey);
  }

  revoke(identity: { userId: string; deviceId: string }): void {
    this.#keys.delete(`${identity.userId}\n${identity.deviceId}`);
  }

  readonly lookup = (userId: string, deviceId: string, signaturePublicKey: Uint8Array): boolean => {
    const known = this.#keys.get(`${userId}\n${deviceId}`);
    return known !== undefined && bytesEqual(known, signaturePublicKey);
  };
}

/** A device: its own MLS client (its own view of the directory), identity and KeyPackages. */
export interface TestDevice {
  client: MlsClient;
  identity: DeviceIdentity;
  keyPackages: KeyPackageBundle[];
}

/** Creates a device, registers it in `directory` (unless told not to) and gives it 2 KeyPackages. */
export async function createTestDevice(
  directory: TestDirectory,
  userId: string,
  deviceId: string,
  options: { isRegistered?: boolean } = {},
): Promise<TestDevice> {
  const client = await createMlsClient({ directory: directory.lookup });
  const identity = await client.createDeviceIdentity({ userId, deviceId });
  if (options.isRegistered !== false) directory.register(identity);
  const keyPackages = await client.generateKeyPackages(identity, 2);
  return { client, identity, keyPackages };
}

/** The first one-time KeyPackage of a device, as the server would hand it out. */
export function takeKeyPackage(device: TestDevice): Uint8Array {
  const bundle = device.keyPackages[0];
  if (bundle === undefined) throw new Error("takeKeyPackage: no KeyPackage left");
  return bundle.keyPackage;
}

export const text = (value: string): Uint8Array => new TextEncoder().encode(value);
export const read = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);
