import { Stack } from '@mantine/core';
import { useState } from 'react';
import { BundleReportView } from '../bundle/BundleReportView';
import { ExportRangeCard } from '../bundle/ExportRangeCard';
import { OpenBundleCard, type OpenedBundle } from '../bundle/OpenBundleCard';
import { useShownMarking } from '../shell/shown-marking';
import { useScrollToResult } from '../app/scroll-to-result';
import { SectionHeader } from './SectionHeader';

/** Evidence bundles: export a signed bundle of a range; open one and verify it offline, then read it. */
export function BundlesSection() {
  const [listVersion, setListVersion] = useState(0);
  const [opened, setOpened] = useState<OpenedBundle | null>(null);
  // While a bundle's report is displayed, the banners carry the marking in its manifest when it is
  // above the console's — said to be unverified when the bundle did not verify.
  useShownMarking(
    opened?.report.summary.classification ?? null,
    opened?.report.ok === false
      ? 'marking claimed by the opened bundle, which did not verify'
      : "the opened bundle's signed marking",
  );
  const reportRef = useScrollToResult(opened);
  return (
    <Stack gap="lg">
      <SectionHeader
        title="Bundles"
        lead="Evidence bundles: one signed file that lets an offline auditor verify events, proofs, checkpoints, policies and certificates with no network, no database and no card — against their own trust anchors."
      />
      <ExportRangeCard onExported={() => setListVersion((n) => n + 1)} />
      <OpenBundleCard listVersion={listVersion} onOpened={setOpened} />
      {opened && (
        <div ref={reportRef} style={{ scrollMarginTop: 16 }}>
          <BundleReportView
            path={opened.path}
            report={opened.report}
            contents={opened.contents}
            envelope={opened.envelope}
          />
        </div>
      )}
    </Stack>
  );
}
