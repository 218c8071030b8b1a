"""``ENV``: what run_tool needs to start a tool in the environment without compiled ops
that this folder's sitecustomize.py makes."""
import os.path as osp

HERE = osp.dirname(osp.abspath(__file__))
ENV = {'PYTHONPATH': f'{HERE}:{osp.dirname(osp.dirname(HERE))}'}
