import { FuseV1Options, FuseVersion, type FuseV1Config } from '@electron/fuses';
import fuseValues from './fuses.json';

/**
 * The Electron fuses of every packaged ARX Console (DESIGN.md: "all fuses written out explicitly,
 * never relaxed for tests"). The values live in fuses.json, which electron-builder.config.cjs reads
 * too, so there is one list; this file is its typed view. See docs/airgapped-build.md.
 */
export type FuseName = keyof typeof FuseV1Options;

// Compile-time, both ways: every fuse the installed @electron/fuses defines has a value in
// fuses.json (Required<>), and fuses.json names no fuse that the library does not know.
export const FUSE_VALUES: Required<Record<FuseName, boolean>> = fuseValues;
type UnknownFuses = Exclude<keyof typeof fuseValues, FuseName>;
const noUnknownFuses: [UnknownFuses] extends [never] ? true : UnknownFuses = true;
void noUnknownFuses;

/** The same values keyed by the fuse wire index, as @electron/fuses' flipFuses takes them. */
export const ARX_FUSES = Object.fromEntries(
  (Object.keys(FUSE_VALUES) as FuseName[]).map((name) => [FuseV1Options[name], FUSE_VALUES[name]]),
) as Required<Record<FuseV1Options, boolean>>;

/** For flipFuses: strictlyRequireAllFuses makes the library refuse a wire with a fuse we did not set. */
export const ARX_FUSE_CONFIG: FuseV1Config = { version: FuseVersion.V1, strictlyRequireAllFuses: true, ...ARX_FUSES };
