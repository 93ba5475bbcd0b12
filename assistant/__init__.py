"""Drafting assistant for 项目支出绩效自评报告: figures in, a checked first draft out."""

__version__ = "0.1.0"
