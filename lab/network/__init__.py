"""The local network: partner organisations and their contact people, network meetings with
their follow-up (decisions, actions), and referrals of visitors to partners."""
