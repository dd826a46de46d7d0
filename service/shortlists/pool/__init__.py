"""The registration pool: every change of a registration as a numbered version, and the matcher's prepared pool.

A database-wide change sequence numbers every change that can alter what the matcher sees of a registration
(its fields, status, exemptions, nominations). Each worker keeps the registrations prepared for the matcher and
catches up from the versions past the last number it saw, so several workers and replicas each stay correct;
runs store only the sequence number they saw, and replay rebuilds the registrations from the versions.
"""
