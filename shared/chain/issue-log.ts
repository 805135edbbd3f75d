import {
  CHAIN_ISSUE_MESSAGES,
  CHAIN_WARNING_CODES,
  type ChainIssue,
  type ChainIssueCode,
  type ChainIssueDetails,
} from './issues';

/**
 * The issues a verification found, in the order found. Past `maxIssues` they are only counted (a
 * wholly rewritten chain is one story); an issue can be reclassified or dropped once later rows
 * explain it.
 */
export class IssueLog {
  readonly issues: ChainIssue[] = [];
  omitted = 0;
  omittedErrors = 0;

  constructor(private readonly maxIssues: number) {}

  report(code: ChainIssueCode, details: ChainIssueDetails): ChainIssue {
    const issue: ChainIssue = { code, message: CHAIN_ISSUE_MESSAGES[code], details };
    if (this.issues.length < this.maxIssues) this.issues.push(issue);
    else {
      this.omitted++;
      if (!CHAIN_WARNING_CODES.has(code)) this.omittedErrors++;
    }
    return issue;
  }

  replace(issue: ChainIssue, code: ChainIssueCode, details: ChainIssueDetails): void {
    issue.code = code;
    issue.message = CHAIN_ISSUE_MESSAGES[code];
    issue.details = details;
  }

  drop(issue: ChainIssue): void {
    const i = this.issues.indexOf(issue);
    if (i >= 0) this.issues.splice(i, 1);
  }
}
