"""The sales pipeline (SPEC §2.3): lead → prospect → transacting customer, "wide in, strict out". A lead
is a customer archive at stage `lead` with a pipeline profile (source, value grade, importance, the next
follow-up); every stage change goes through one workflow whose log gives the conversion rates."""
