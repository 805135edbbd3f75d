/**
 * Worker-thread entry that owns the process's one pkcs11js module instance. It executes the
 * primitives of `pkcs11-protocol.ts` one at a time (PKCS#11 calls block: that is why they are here
 * and not on the main thread) and answers every request with a value or an ArxError.
 *
 * Never log a request: a `login` request carries the PIN.
 */
import pkcs11js from 'pkcs11js';
import { serveWorker } from '../workers/serve';
import { toCardError } from './pkcs11-errors';
import { modulePackageHint } from './reader-hints';
import {
  FUNCTION_OF,
  type HandleHex,
  type ObjectView,
  type Pkcs11Request,
  type Pkcs11Results,
  type SlotView,
  type TokenView,
} from './pkcs11-protocol';

// CK_SLOT_INFO.flags bit (PKCS#11 v2.40 §3.2); pkcs11js 2.1.7 does not export it.
const CKF_TOKEN_PRESENT = 0x1;

let module: pkcs11js.PKCS11 | null = null;
let modulePath = '';

const handle = (hex: HandleHex): Buffer => Buffer.from(hex, 'hex');
const hex = (h: Buffer): HandleHex => h.toString('hex');
const trim = (s: string) => s.replace(/[\s\0]+$/, '');

function loaded(): pkcs11js.PKCS11 {
  if (!module) throw Object.assign(new Error('CKR_CRYPTOKI_NOT_INITIALIZED'), { name: 'Pkcs11Error' });
  return module;
}

function initialize(path: string): Pkcs11Results['initialize'] {
  if (module) {
    if (path === modulePath) {
      const info = module.C_GetInfo();
      return { library: trim(info.libraryDescription), manufacturer: trim(info.manufacturerID) };
    }
    throw {
      code: 'CARD_MODULE_UNAVAILABLE',
      message: `A different PKCS#11 module (${modulePath}) is already loaded in this process.`,
      details: { path },
    };
  }
  const m = new pkcs11js.PKCS11();
  try {
    m.load(path);
  } catch (err) {
    const reason = err instanceof Error ? err.message.split('\n')[0]!.slice(0, 200) : 'unknown error';
    throw {
      code: 'CARD_MODULE_UNAVAILABLE',
      message: `Cannot load the PKCS#11 module ${path}: ${reason}.${modulePackageHint(path)}`,
      details: { path },
    };
  }
  try {
    m.C_Initialize();
  } catch (err) {
    const e = toCardError(err, 'C_Initialize');
    try {
      m.close();
    } catch {
      // the library is being abandoned; a failure to unload it changes nothing for the caller
    }
    throw {
      code: 'CARD_MODULE_UNAVAILABLE',
      message: `The PKCS#11 module ${path} loaded but did not initialise (${String(e.details?.ckr ?? e.message)}).`,
      details: { path },
    };
  }
  module = m;
  modulePath = path;
  const info = m.C_GetInfo();
  return { library: trim(info.libraryDescription), manufacturer: trim(info.manufacturerID) };
}

function getSlots(tokenPresent: boolean): SlotView[] {
  const m = loaded();
  return m.C_GetSlotList(tokenPresent).map((slot) => {
    const info = m.C_GetSlotInfo(slot);
    return {
      slot: hex(slot),
      description: trim(info.slotDescription),
      manufacturer: trim(info.manufacturerID),
      flags: info.flags,
      tokenPresent: (info.flags & CKF_TOKEN_PRESENT) !== 0,
    };
  });
}

function getTokenInfo(slot: HandleHex): TokenView {
  const t = loaded().C_GetTokenInfo(handle(slot));
  return {
    label: trim(t.label),
    manufacturer: trim(t.manufacturerID),
    model: trim(t.model),
    serialNumber: trim(t.serialNumber),
    flags: t.flags,
  };
}

function login(session: HandleHex, userType: number, pin: Uint8Array | null): null {
  // pkcs11js 2.1.7 accepts the PIN only as a JS string: the string lives only inside this call and
  // the bytes it was made from are zero-filled in `finally`. A PIN pad login passes an empty PIN.
  try {
    loaded().C_Login(
      handle(session),
      userType,
      pin ? Buffer.from(pin.buffer, pin.byteOffset, pin.byteLength).toString('utf8') : '',
    );
    return null;
  } finally {
    pin?.fill(0);
  }
}

function findObjects(session: HandleHex, objectClass: number): ObjectView[] {
  const m = loaded();
  const s = handle(session);
  m.C_FindObjectsInit(s, [{ type: pkcs11js.CKA_CLASS, value: objectClass }]);
  let handles: Buffer[];
  try {
    handles = m.C_FindObjects(s, 64);
  } finally {
    m.C_FindObjectsFinal(s);
  }
  return handles.map((h) => {
    const [id, label] = m.C_GetAttributeValue(s, h, [{ type: pkcs11js.CKA_ID }, { type: pkcs11js.CKA_LABEL }]);
    const view: ObjectView = {
      handle: hex(h),
      objectClass,
      id: (id?.value as Buffer | undefined)?.toString('hex') ?? '',
      label: ((label?.value as Buffer | undefined)?.toString('utf8') ?? '').replace(/\0+$/, ''),
    };
    if (objectClass === pkcs11js.CKO_CERTIFICATE) {
      const [value] = m.C_GetAttributeValue(s, h, [{ type: pkcs11js.CKA_VALUE }]);
      view.value = new Uint8Array(value?.value as Buffer);
    }
    if (objectClass === pkcs11js.CKO_PRIVATE_KEY || objectClass === pkcs11js.CKO_PUBLIC_KEY) {
      const [keyType] = m.C_GetAttributeValue(s, h, [{ type: pkcs11js.CKA_KEY_TYPE }]);
      view.keyType = (keyType?.value as Buffer).readUIntLE(0, Math.min(6, (keyType?.value as Buffer).length));
    }
    if (objectClass === pkcs11js.CKO_PRIVATE_KEY) {
      try {
        const [always] = m.C_GetAttributeValue(s, h, [{ type: pkcs11js.CKA_ALWAYS_AUTHENTICATE }]);
        view.alwaysAuthenticate = (always?.value as Buffer)[0] === 1;
      } catch {
        view.alwaysAuthenticate = false; // attribute not supported: a PKCS#11 2.11-era module
      }
    }
    return view;
  });
}

function readData(session: HandleHex, label: string): Uint8Array | null {
  const m = loaded();
  const s = handle(session);
  m.C_FindObjectsInit(s, [
    { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_DATA },
    { type: pkcs11js.CKA_LABEL, value: label },
  ]);
  let found: Buffer | null;
  try {
    found = m.C_FindObjects(s, 1)[0] ?? null;
  } finally {
    m.C_FindObjectsFinal(s);
  }
  if (!found) return null;
  const [value] = m.C_GetAttributeValue(s, found, [{ type: pkcs11js.CKA_VALUE }]);
  const buf = value?.value as Buffer | undefined;
  return buf ? new Uint8Array(buf) : null;
}

function signInit(
  session: HandleHex,
  key: HandleHex,
  mech: Extract<Pkcs11Request, { op: 'signInit' }>['mechanism'],
): null {
  const mechanism: pkcs11js.Mechanism = { mechanism: mech.mechanism };
  if (mech.pss) {
    const pss: pkcs11js.RsaPSS = {
      type: pkcs11js.CK_PARAMS_RSA_PSS,
      hashAlg: mech.pss.hashAlg,
      mgf: mech.pss.mgf,
      saltLen: mech.pss.saltLen,
    };
    mechanism.parameter = pss;
  }
  loaded().C_SignInit(handle(session), mechanism, handle(key));
  return null;
}

// PKCS#11 v2.40 §2.3.3: CKZ_DATA_SPECIFIED (the OAEP encoding parameter source).
const CKZ_DATA_SPECIFIED = 0x1;

function deriveEcdh(session: HandleHex, key: HandleHex, publicData: Uint8Array, length: number): Uint8Array {
  const m = loaded();
  const s = handle(session);
  const parameter: pkcs11js.ECDH1 = {
    type: pkcs11js.CK_PARAMS_EC_DH,
    kdf: pkcs11js.CKD_NULL,
    publicData: Buffer.from(publicData),
  };
  // A session object (never CKA_TOKEN), extractable and not sensitive: its value is read once and
  // the object destroyed right after, on every path.
  const derived = m.C_DeriveKey(s, { mechanism: pkcs11js.CKM_ECDH1_DERIVE, parameter }, handle(key), [
    { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_SECRET_KEY },
    { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_GENERIC_SECRET },
    { type: pkcs11js.CKA_TOKEN, value: false },
    { type: pkcs11js.CKA_SENSITIVE, value: false },
    { type: pkcs11js.CKA_EXTRACTABLE, value: true },
    { type: pkcs11js.CKA_VALUE_LEN, value: length },
  ]);
  try {
    const [value] = m.C_GetAttributeValue(s, derived, [{ type: pkcs11js.CKA_VALUE }]);
    const buf = value?.value as Buffer | undefined;
    if (!buf || buf.length === 0)
      throw { code: 'CARD_ERROR', message: 'The card derived no shared secret (C_DeriveKey: empty CKA_VALUE).' };
    const out = new Uint8Array(buf);
    buf.fill(0);
    return out;
  } finally {
    try {
      m.C_DestroyObject(s, derived);
    } catch {
      // a session object: it goes with the session anyway
    }
  }
}

function decrypt(req: Extract<Pkcs11Request, { op: 'decrypt' }>): Uint8Array {
  const m = loaded();
  const s = handle(req.session);
  const mechanism: pkcs11js.Mechanism = { mechanism: req.mechanism.mechanism };
  if (req.mechanism.oaep) {
    const oaep: pkcs11js.RsaOAEP = {
      type: pkcs11js.CK_PARAMS_RSA_OAEP,
      hashAlg: req.mechanism.oaep.hashAlg,
      mgf: req.mechanism.oaep.mgf,
      source: CKZ_DATA_SPECIFIED,
    };
    mechanism.parameter = oaep;
  }
  m.C_DecryptInit(s, mechanism, handle(req.key));
  const out = m.C_Decrypt(s, Buffer.from(req.data), Buffer.alloc(req.maxLength));
  const result = new Uint8Array(out);
  out.fill(0);
  return result;
}

function execute(req: Pkcs11Request): Pkcs11Results[Pkcs11Request['op']] {
  switch (req.op) {
    case 'initialize':
      return initialize(req.modulePath);
    case 'getSlots':
      return getSlots(req.tokenPresent);
    case 'getTokenInfo':
      return getTokenInfo(req.slot);
    case 'openSession':
      return hex(loaded().C_OpenSession(handle(req.slot), pkcs11js.CKF_SERIAL_SESSION));
    case 'closeSession':
      loaded().C_CloseSession(handle(req.session));
      return null;
    case 'login':
      return login(req.session, req.userType, req.pin);
    case 'logout':
      loaded().C_Logout(handle(req.session));
      return null;
    case 'findObjects':
      return findObjects(req.session, req.objectClass);
    case 'readData':
      return readData(req.session, req.label);
    case 'signInit':
      return signInit(req.session, req.key, req.mechanism);
    case 'sign': {
      const out = loaded().C_Sign(handle(req.session), Buffer.from(req.data), Buffer.alloc(req.maxLength));
      return new Uint8Array(out);
    }
    case 'deriveEcdh':
      return deriveEcdh(req.session, req.key, req.publicData, req.length);
    case 'decrypt':
      return decrypt(req);
    case 'finalize':
      if (module) {
        module.C_Finalize();
        module.close();
        module = null;
      }
      return null;
  }
}

const isArxError = (v: unknown): v is { code: string; message: string } =>
  typeof v === 'object' && v !== null && typeof (v as { code?: unknown }).code === 'string' && !(v instanceof Error);

serveWorker<Pkcs11Request, Pkcs11Results[keyof Pkcs11Results]>({
  handle(request) {
    try {
      return execute(request);
    } catch (err) {
      if (request.op === 'login') request.pin?.fill(0);
      throw isArxError(err) ? err : toCardError(err, FUNCTION_OF[request.op]);
    }
  },
});
