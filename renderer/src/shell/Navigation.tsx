import { NavLink, Stack } from '@mantine/core';
import { SECTION_ROLE, SECTIONS, sectionHref, type SectionId } from '../sections/section-list';
import { useTenant } from '../tenant/tenant-context';
import { SectionIcon } from './icons';
import { SECTION_HEADING_ID } from './use-hash-section';
import classes from './shell.module.css';

/** The section list. Plain links to URL fragments: Tab reaches them, Enter follows them. */
export function Navigation({ current }: { current: SectionId }) {
  const { tenants } = useTenant();
  const held = (role: string | undefined) => !role || tenants.some((t) => t.roles.includes(role));
  return (
    <nav aria-label="Sections">
      <div className={classes.navHeading} aria-hidden="true">
        Sections
      </div>
      <Stack gap={2} px={8}>
        {SECTIONS.filter((s) => held(SECTION_ROLE[s.id])).map((s) => (
          <NavLink
            key={s.id}
            component="a"
            href={sectionHref(s.id)}
            label={s.label}
            leftSection={<SectionIcon id={s.id} />}
            active={s.id === current}
            aria-current={s.id === current ? 'page' : undefined}
            className={classes.navLink}
            onClick={(e) => {
              // Following the link to the section already shown changes no URL; still take the user there.
              if (s.id === current) {
                e.preventDefault();
                document.getElementById(SECTION_HEADING_ID)?.focus();
              }
            }}
          />
        ))}
      </Stack>
    </nav>
  );
}
