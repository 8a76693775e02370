"""The help centre: articles, search, the SLA article rendered from the policy, and votes."""
