@echo off
chcp 65001 >nul
rem xltool 审核网页：双击启动。第一次运行时安装 xltool，之后直接打开浏览器中的审核页面。
setlocal
cd /d "%~dp0.."

set "PY=py"
where py >nul 2>nul || set "PY=python"
where %PY% >nul 2>nul || goto :nopython

%PY% -c "import starlette, uvicorn, pandas, xltool.serve.app" >nul 2>nul || goto :install
goto :start

:install
echo 第一次使用：正在安装 xltool 及其所需组件，需要几分钟，请稍候……
%PY% -m pip install --disable-pip-version-check .
if errorlevel 1 goto :installfailed

:start
echo 正在启动审核网页，浏览器会自动打开。
echo 使用期间请不要关闭本窗口；关闭本窗口即停止服务。
%PY% -m xltool.cli serve --open
pause
exit /b 0

:nopython
echo 没有找到 Python。请先从 https://www.python.org/downloads/windows/ 下载安装 Python 3.11 或更新版本，
echo 安装时勾选 “Add python.exe to PATH”，然后再双击本文件。
pause
exit /b 1

:installfailed
echo 安装失败：请检查网络连接后重新双击本文件；如仍失败，请把本窗口的内容截图发给管理员。
pause
exit /b 1
