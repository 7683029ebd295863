//! Exact satisfiability of rule conditions over the patients of a ruleset.
