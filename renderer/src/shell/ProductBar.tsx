import type { ReactNode } from 'react';
import { ShieldIcon } from './icons';
import classes from './shell.module.css';

/** The dark bar under the top banner: product name and version, and optional actions. */
export function ProductBar({ version, children }: { version: string; children?: ReactNode }) {
  return (
    <div className={classes.productBar}>
      <div className={classes.product}>
        <ShieldIcon />
        <span>ARX Console</span>
        <span className={classes.productMeta}>{version}</span>
      </div>
      {children ? <div className={classes.headerActions}>{children}</div> : null}
    </div>
  );
}
