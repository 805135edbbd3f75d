import { PlannedSection } from './PlannedSection';

export function PoliciesSection() {
  return (
    <PlannedSection
      title="Policies"
      lead="The routing policies the AI gateway enforces: who may send what to which model, under which conditions."
      planned={[
        'Author policies in Cedar with validation against the schema as you type.',
        'Test a draft against recorded requests and see which decisions would change (impact report).',
        'Sign a draft with your CAC/PIV card and submit it for approval.',
        'Approve as a second card holder after reviewing the diff and the impact report; only then does a version go live (two-person integrity).',
        'See which signed version the gateway runs, and every earlier version with its signers.',
      ]}
    />
  );
}
